// An answer rendered in the browser, while it streams and once it is complete: the server sends only the appended
// text, never the whole message again, and the markdown is parsed and sanitized here. Blocks that can no longer
// change (everything before the last blank line outside a code fence) are rendered once and never touched again:
// their nodes stay, and their code is highlighted and their diagram drawn once, when the page is idle
// (model_content/finishing.js). A render redoes only the open block at the end, so an update costs the same however
// long the answer is. When the answer completes, its last block joins the finished ones in place: nothing is
// rendered again and nothing is swapped.
//
// An append renders at once. The server already paces a tab's updates (at most one a frame), so appends that come
// closer together than GAP_MS arrived together (a socket that was held up, a tab catching up): the later ones are
// rendered together just before the next frame (requestAnimationFrame), which is when they would be painted anyway.
// The next frame, not a timer a frame long after the last render: that made an update a little early (the socket's
// jitter) wait ~16 ms, a timer for nearly every other update. A hidden tab draws no frames; its text still renders
// after HIDDEN_MS. A long text that arrives whole (a finished run opened, a tab that joins late) is rendered
// a slice at a time (SLICE_MS each, the answer at the bottom of the transcript, the one in view, first), so no task
// grows with it. An open code fence is closed for display so code never shows as prose; an unfinished mermaid block
// shows as plain code.
import { Marked } from "botarmy-marked";
import { sanitizedFragment } from "botarmy-model-content";
import { finish, warmRenderer } from "botarmy-model-content/finishing.js";

const FENCE = /^ {0,3}```/gm;
const GAP_MS = 8;
const HIDDEN_MS = 100;
const SLICE_MS = 8;
const PIECE_CHARS = 2000; // finished text rendered at once is cut at block ends near this length

// Model text is untrusted, so its HTML is shown as the text it is, as the server's renderer (markdown2 in escape
// mode) shows it. Block HTML is left to the paragraph rule; an inline tag becomes an html token that renders
// escaped. marked's own tag rule is not used: it switches to raw, unescaped text after <pre>, <code> or <script>.
// A tokenizer that returns nothing leaves the text to the next rule; `false` defers to marked's own.
const ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
const escape = (text) => text.replace(/[&<>"']/g, (char) => ESCAPES[char]);

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
      return escape(text);
    },
    // Form controls are not allowed in model output: task-list boxes are glyphs, as on the server.
    checkbox({ checked }) {
      return `<span class="task-box">${checked ? "☑" : "☐"}</span> `;
    },
    // The markup of the server's renderer (markdown2 with pygments): the page's code style applies, and a diagram
    // is drawn beside its source.
    code({ text, lang }) {
      const language = (lang || "").trim().split(/\s/)[0].toLowerCase();
      if (language === "mermaid") return `<pre class="mermaid-pre"><div class="mermaid">${escape(text)}</div></pre>`;
      const named = /^[\w+#.-]+$/.test(language) ? ` class="language-${language}"` : "";
      return `<div class="codehilite"><pre><code${named}>${escape(text)}\n</code></pre></div>`;
    },
  },
});

function rendered(markdown) {
  return sanitizedFragment(parser.parse(markdown));
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

// The open block, when it ends in a code fence still streaming: the markdown before the fence, the fence's line,
// where the fence starts, and its code so far. Null when it does not (or the fence is indented, whose lines marked
// unindents, or a diagram's, which shows as plain code): then the open block is rendered whole.
function openCode(open) {
  const fences = [...open.matchAll(FENCE)];
  if (fences.length % 2 === 0) return null;
  const opening = fences[fences.length - 1];
  const lineEnd = open.indexOf("\n", opening.index);
  if (lineEnd < 0 || opening[0] !== "```") return null;
  const fence = open.slice(opening.index, lineEnd);
  if (fence.slice(3).trim().toLowerCase().split(/\s/)[0] === "mermaid") return null;
  return { head: open.slice(0, opening.index), fence, at: opening.index, text: open.slice(lineEnd + 1) };
}

// The end of the last complete block from `from` on (a blank line with every code fence before it closed), or of
// the first one past `limit`.
function stableEnd(text, from, limit = Infinity) {
  let end = from;
  let open = false;
  let index = from;
  for (let lineEnd = text.indexOf("\n", index); lineEnd >= 0; lineEnd = text.indexOf("\n", index)) {
    const line = text.slice(index, lineEnd);
    index = lineEnd + 1;
    if (/^ {0,3}```/.test(line)) open = !open;
    else if (!open && line.trim() === "") {
      end = index;
      if (end > limit) break;
    }
  }
  return end;
}

// Long texts waiting to be rendered, page-wide; the latest first (the transcript shows its end).
const backlog = [];
let slicing = false;

function renderBacklog() {
  const deadline = performance.now() + SLICE_MS;
  while (backlog.length && performance.now() < deadline) {
    const element = backlog[backlog.length - 1];
    if (element.renderPiece()) backlog.pop();
  }
  if (backlog.length) setTimeout(renderBacklog);
  else slicing = false;
}

export default {
  template: `<div class="botarmy-markdown nicegui-markdown" data-testid="message-body"><div></div><div></div></div>`,
  props: { text: String, complete: Boolean },
  created() {
    // Not reactive: Vue has nothing to do when text arrives.
    this.source = "";
    this.stable = 0; // the length of the source shown as finished blocks
    this.done = false;
    this.renderedAt = -Infinity;
    this.frame = null; // the render waiting for the next frame: its animation frame and its timer
    this.behind = false; // in the backlog
    this.openCode = null; // the code fence streaming at the end: where it starts in the source, and its text node
  },
  mounted() {
    this.reset(this.text || "", this.complete);
    warmRenderer();
  },
  unmounted() {
    this.cancelFrame();
    const queued = backlog.indexOf(this);
    if (queued >= 0) backlog.splice(queued, 1);
  },
  watch: {
    text(value) {
      if (value === this.source) return;
      // Sent again with what it already shows and more: only the rest is new.
      if (value.startsWith(this.source)) this.append(this.source.length, value.slice(this.source.length));
      else this.reset(value || "", this.complete);
    },
    complete(value) {
      if (value) this.finish();
    },
  },
  methods: {
    reset(text, complete) {
      this.source = text;
      this.stable = 0;
      this.done = complete;
      this.openCode = null;
      this.$el.children[0].innerHTML = "";
      this.$el.children[1].innerHTML = "";
      this.render();
    },
    // `offset` is where the delta starts: a delta the element already has (its creation or a prop update may
    // have carried the newer text) is skipped, so text is never shown twice.
    append(offset, delta) {
      const known = this.source.length - offset;
      if (offset > this.source.length || known >= delta.length) return;
      this.source += delta.slice(Math.max(0, known));
      this.schedule();
    },
    // The answer is complete: its last block is finished too.
    finish() {
      if (this.done) return;
      this.done = true;
      this.schedule();
    },
    schedule() {
      if (this.frame !== null || this.behind) return; // rendered with the others of this frame, or in slices
      if (performance.now() - this.renderedAt >= GAP_MS) {
        this.render();
        return;
      }
      const render = () => {
        this.cancelFrame();
        this.render();
      };
      this.frame = { animation: requestAnimationFrame(render), timer: setTimeout(render, HIDDEN_MS) };
    },
    cancelFrame() {
      if (this.frame === null) return;
      cancelAnimationFrame(this.frame.animation);
      clearTimeout(this.frame.timer);
      this.frame = null;
    },
    render() {
      if (this.behind) return; // its slices show the latest text
      this.renderedAt = performance.now();
      const end = this.done ? this.source.length : stableEnd(this.source, this.stable);
      if (end - this.stable > PIECE_CHARS) {
        this.behind = true;
        if (this.renderPiece()) return; // the first piece at once: the page shows text as soon as it can
        backlog.push(this);
        if (!slicing) {
          slicing = true;
          setTimeout(renderBacklog);
        }
        return;
      }
      this.showFinished(end);
      this.showOpen();
    },
    // One piece of a long text; true once all of it is shown.
    renderPiece() {
      const end = this.done ? this.source.length : stableEnd(this.source, this.stable);
      const cut = stableEnd(this.source, this.stable, this.stable + PIECE_CHARS);
      this.showFinished(cut > this.stable && cut < end ? cut : end);
      if (this.stable < end) {
        this.$el.dataset.length = String(this.stable);
        return false;
      }
      this.behind = false;
      this.showOpen();
      return true;
    },
    showFinished(end) {
      if (end <= this.stable) return;
      const blocks = rendered(this.source.slice(this.stable, end));
      finish(blocks);
      this.$el.children[0].append(blocks);
      this.stable = end;
    },
    // Code streaming in an open fence grows one text node: a long block costs no more per update than a short one
    // (text nodes need no sanitizing). Anything else in the open block is rendered again whole.
    showOpen() {
      const open = this.source.slice(this.stable);
      this.$el.dataset.length = String(this.source.length);
      const code = openCode(open);
      const shown = this.openCode;
      if (code && shown && shown.at === this.stable + code.at && code.text.startsWith(shown.node.data)) {
        shown.node.appendData(code.text.slice(shown.node.length));
        return;
      }
      this.openCode = null;
      if (!code) {
        this.$el.children[1].replaceChildren(open ? rendered(displayable(open)) : "");
        return;
      }
      // The prose before the fence and the empty block, marked up by the renderer as a finished block would be.
      const fragment = rendered(`${code.head}${code.fence}\n\`\`\``);
      const blocks = fragment.querySelectorAll("pre > code");
      const node = document.createTextNode(code.text);
      blocks[blocks.length - 1].replaceChildren(node);
      this.$el.children[1].replaceChildren(fragment);
      this.openCode = { at: this.stable + code.at, node };
    },
  },
};
