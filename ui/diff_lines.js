// One file's unified diff, a line per element with its kind as a class (diff-added, diff-removed, diff-hunk, ...).
// The lines are hostile text (files models wrote, zips users imported): each becomes a text node, never HTML, and
// Vue compiles no template from them.
export default {
  template: `<div class="diff-lines"></div>`,
  props: { lines: Array },
  mounted() {
    this.draw();
  },
  watch: {
    lines() {
      this.draw();
    },
  },
  methods: {
    draw() {
      const fragment = document.createDocumentFragment();
      for (const [kind, text] of this.lines || []) {
        const line = document.createElement("div");
        line.className = `diff-line diff-${kind}`;
        line.textContent = text;
        fragment.append(line);
      }
      this.$el.replaceChildren(fragment);
    },
  },
};
