// A complete model answer or artifact, with the model's output treated as untrusted. The server-rendered HTML
// (ui/model_html.py) is sanitized with the strict rules for model content (not NiceGUI's default DOMPurify
// profile), and mermaid is told its security level before every diagram, as another element initializing it must
// not loosen ours. Directives inside a diagram cannot change the options listed in `secure`, so a diagram cannot
// lower the level, loosen mermaid's sanitizer or inject CSS.
import { sanitize, sanitizeDiagram } from "botarmy-model-content";

const MERMAID = {
  startOnLoad: false,
  securityLevel: "strict",
  secure: ["secure", "securityLevel", "startOnLoad", "maxTextSize", "suppressErrorRendering", "maxEdges",
           "dompurifyConfig", "themeCSS", "themeVariables", "fontFamily", "altFontFamily"],
};

// One diagram at a time, each with our settings set right before it: mermaid is one instance for the whole page.
let queue = Promise.resolve();

function draw(id, source) {
  const drawn = queue.then(async () => {
    const { mermaid } = await import("nicegui-mermaid");
    mermaid.initialize(MERMAID);
    try {
      return await mermaid.render(id, source);
    } catch (error) {
      console.error(error);
      return await mermaid.render(id, "error");
    }
  });
  queue = drawn.catch(() => {});
  return drawn;
}

export default {
  template: `<div></div>`,
  data() {
    return { shown: null };
  },
  mounted() {
    this.render();
  },
  updated() {
    this.render();
  },
  methods: {
    // Only when the content changed: drawing a diagram again on every Vue update would flicker.
    render() {
      if (this.innerHTML === this.shown) return;
      this.shown = this.innerHTML;
      this.$el.innerHTML = sanitize(this.innerHTML);
      this.$el.querySelectorAll(".mermaid-pre").forEach(async (pre, i) => {
        const { svg, bindFunctions } = await draw(`${this.$el.id}_mermaid_${i}`, pre.children[0].innerText);
        if (!pre.isConnected) return; // replaced by newer content meanwhile
        const drawn = document.createElement("div");
        drawn.classList.add("mermaid-svg");
        drawn.innerHTML = sanitizeDiagram(svg);
        bindFunctions?.(drawn);
        pre.appendChild(drawn);
      });
    },
  },
  props: {
    innerHTML: String,
  },
};
