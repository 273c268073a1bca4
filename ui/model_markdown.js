// An artifact, with the model's output treated as untrusted. The server-rendered HTML (ui/model_html.py) is sanitized
// with the strict rules for model content (not NiceGUI's default DOMPurify profile), and its diagrams are drawn in
// mermaid's strict mode, as in the transcript (model_content/finishing.js).
import { sanitize } from "botarmy-model-content";
import { drawDiagram } from "botarmy-model-content/finishing.js";

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
      this.$el.querySelectorAll(".mermaid-pre").forEach(drawDiagram);
    },
  },
  props: {
    innerHTML: String,
  },
};
