// A streamed answer rendered in the browser: the server sends only the appended text, never the whole message
// again, and the markdown is parsed and sanitized here. An open code fence is closed for display so code never
// shows as prose; an unfinished mermaid block shows as plain code.
import { marked } from "botarmy-marked";
import DOMPurify from "dompurify";

function displayable(text) {
  const fences = [...text.matchAll(/^ {0,3}```/gm)];
  if (fences.length % 2 === 0) return text;
  const opening = fences[fences.length - 1];
  const lineEnd = text.indexOf("\n", opening.index);
  if (lineEnd < 0) return text.slice(0, opening.index);
  const info = text.slice(opening.index + opening[0].length, lineEnd).trim().toLowerCase();
  const body = info === "mermaid" ? text.slice(0, opening.index + opening[0].length) + text.slice(lineEnd) : text;
  return body + "\n```";
}

export default {
  template: `<div class="botarmy-markdown" data-testid="message-body"></div>`,
  props: { text: String },
  data() {
    return { source: "" };
  },
  mounted() {
    this.source = this.text || "";
    this.render();
  },
  watch: {
    text(value) {
      if (value !== this.source) {
        this.source = value || "";
        this.render();
      }
    },
  },
  methods: {
    // `offset` is where the delta starts: a delta the element already has (its creation or a prop update may
    // have carried the newer text) is skipped, so text is never shown twice.
    append(offset, delta) {
      const known = this.source.length - offset;
      if (offset > this.source.length || known >= delta.length) return;
      this.source += delta.slice(Math.max(0, known));
      this.render();
    },
    render() {
      this.$el.innerHTML = DOMPurify.sanitize(marked.parse(displayable(this.source)));
      this.$el.dataset.length = String(this.source.length);
    },
  },
};
