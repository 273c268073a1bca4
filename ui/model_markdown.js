// A complete model answer or artifact: NiceGUI's markdown element, with the model's output treated as untrusted.
// The server-rendered HTML is sanitized with the strict rules for model content (not NiceGUI's default DOMPurify
// profile), and mermaid is told its security level on every render: it is one instance for the whole page, and
// another element initializing it must not loosen ours. Directives inside a diagram cannot change the options
// listed in `secure`, so a diagram cannot lower the level, loosen mermaid's sanitizer or inject CSS.
import { loadResource } from "../../static/utils/resources.js";
import { sanitize, sanitizeDiagram } from "botarmy-model-content";

const MERMAID = {
  startOnLoad: false,
  securityLevel: "strict",
  secure: ["secure", "securityLevel", "startOnLoad", "maxTextSize", "suppressErrorRendering", "maxEdges",
           "dompurifyConfig", "themeCSS", "themeVariables", "fontFamily", "altFontFamily"],
};

export default {
  template: `<div></div>`,
  async mounted() {
    await this.$nextTick(); // wait for window.path_prefix to be set
    await loadResource(window.path_prefix + `${this.dynamicResourcePath}/${this.resourceName}`);
    this.renderContent();
    this.mermaid = (await import("nicegui-mermaid")).mermaid;
    this.renderMermaid();
  },
  data() {
    return {
      mermaid: null,
      diagrams: {},
      previousInnerHTML: null,
    };
  },
  updated() {
    this.renderContent();
    this.renderMermaid();
  },
  methods: {
    renderContent() {
      if (this.innerHTML === this.previousInnerHTML) return;
      this.$el.innerHTML = sanitize(this.innerHTML);
      this.previousInnerHTML = this.innerHTML;
    },
    async draw(id, source) {
      this.mermaid.initialize(MERMAID);
      try {
        return await this.mermaid.render(id, source);
      } catch (error) {
        console.error(error);
        return await this.mermaid.render(id, "error");
      }
    },
    renderMermaid() {
      if (!this.mermaid) return;
      const usedKeys = new Set();
      this.$el.querySelectorAll(".mermaid-pre").forEach(async (pre, i) => {
        const key = pre.children[0].innerText + "\n" + i;
        usedKeys.add(key);
        if (!this.diagrams[key]) this.diagrams[key] = await this.draw(this.$el.id + "_mermaid_" + i, pre.children[0].innerText);
        const svgElement = document.createElement("div");
        svgElement.classList.add("mermaid-svg");
        svgElement.innerHTML = sanitizeDiagram(this.diagrams[key].svg);
        this.diagrams[key].bindFunctions?.(svgElement);
        pre.querySelectorAll(".mermaid-svg").forEach((svg) => svg.remove());
        pre.appendChild(svgElement);
      });
      for (const key in this.diagrams) {
        if (!usedKeys.has(key)) delete this.diagrams[key];
      }
    },
  },
  props: {
    innerHTML: String,
    dynamicResourcePath: String,
    resourceName: String,
  },
};
