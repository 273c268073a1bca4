// A streamed answer rendered in the browser: the server sends only the appended text, never the whole message
// again, and the markdown is parsed and sanitized here. Blocks that can no longer change (everything before the
// last blank line outside a code fence) are rendered once; a render redoes only the tail, so a long answer costs
// the same per update as a short one. An append after a quiet frame renders at once; more appends within the same
// frame (FRAME_MS) are rendered together when it has passed, so the page renders at most once per frame. The wait is
// a timer, not requestAnimationFrame: a busy page produces frames late, and text should not wait for them. An open
// code fence is closed for display so code never shows as prose; an unfinished mermaid block shows as plain code.
import { Marked } from "botarmy-marked";
import { sanitize } from "botarmy-model-content";

const FENCE = /^ {0,3}```/gm;
const FRAME_MS = 1000 / 60;

// Model text is untrusted, so its HTML is shown as the text it is, as the server's renderer (markdown2 in escape
// mode) shows it, and the display does not change when the answer completes. Block HTML is left to the paragraph
// rule; an inline tag becomes an html token that renders escaped. marked's own tag rule is not used: it switches to
// raw, unescaped text after <pre>, <code> or <script>. A tokenizer that returns nothing leaves the text to the next
// rule; `false` defers to marked's own.
const ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

const parser = new Marked({
  tokenizer: {
    html() {},
    tag(src) {
      const raw = this.rules.inline.tag.exec(src)?.[0];
      if (raw) return { type: "html", raw, text: raw, block: false };
    },
    autolink(src) {
      return /^<(?:(?:https?|mailto):|[^\s<>:]+@)/i.test(src) ? false : undefined;
    },
  },
  renderer: {
    html({ text }) {
      return text.replace(/[&<>"']/g, (char) => ESCAPES[char]);
    },
    // Form controls are not allowed in model output: task-list boxes are glyphs, as on the server.
    checkbox({ checked }) {
      return `<span class="task-box">${checked ? "☑" : "☐"}</span> `;
    },
  },
});

function html(markdown) {
  return sanitize(parser.parse(markdown));
}

function displayable(text) {
  const fences = [...text.matchAll(FENCE)];
  if (fences.length % 2 === 0) return text;
  const opening = fences[fences.length - 1];
  const lineEnd = text.indexOf("\n", opening.index);
  if (lineEnd < 0) return text.slice(0, opening.index);
  const info = text.slice(opening.index + opening[0].length, lineEnd).trim().toLowerCase();
  const body = info === "mermaid" ? text.slice(0, opening.index + opening[0].length) + text.slice(lineEnd) : text;
  return body + "\n```";
}

// The end of the last complete block: a blank line with every code fence before it closed.
function stableEnd(text, from) {
  let end = from;
  let open = false;
  let index = from;
  for (const line of text.slice(from).split("\n")) {
    index += line.length + 1;
    if (/^ {0,3}```/.test(line)) open = !open;
    else if (!open && line.trim() === "" && index <= text.length) end = index;
  }
  return end;
}

export default {
  template: `<div class="botarmy-markdown" data-testid="message-body"><div></div><div></div></div>`,
  props: { text: String },
  created() {
    // Not reactive: Vue has nothing to do when text arrives.
    this.source = "";
    this.stable = 0;
    this.renderedAt = -Infinity;
    this.timer = null;
  },
  mounted() {
    this.reset(this.text || "");
  },
  unmounted() {
    clearTimeout(this.timer);
  },
  watch: {
    text(value) {
      if (value !== this.source) this.reset(value || "");
    },
  },
  methods: {
    reset(text) {
      this.source = text;
      this.stable = 0;
      this.$el.children[0].innerHTML = "";
      this.render();
    },
    // `offset` is where the delta starts: a delta the element already has (its creation or a prop update may
    // have carried the newer text) is skipped, so text is never shown twice.
    append(offset, delta) {
      const known = this.source.length - offset;
      if (offset > this.source.length || known >= delta.length) return;
      this.source += delta.slice(Math.max(0, known));
      if (this.timer !== null) return; // rendered with the others of this frame
      const wait = this.renderedAt + FRAME_MS - performance.now();
      if (wait <= 0) {
        this.render();
        return;
      }
      this.timer = setTimeout(() => {
        this.timer = null;
        this.render();
      }, wait);
    },
    render() {
      this.renderedAt = performance.now();
      const end = stableEnd(this.source, this.stable);
      if (end > this.stable) {
        this.$el.children[0].insertAdjacentHTML("beforeend", html(this.source.slice(this.stable, end)));
        this.stable = end;
      }
      this.$el.children[1].innerHTML = html(displayable(this.source.slice(this.stable)));
      this.$el.dataset.length = String(this.source.length);
    },
  },
};
