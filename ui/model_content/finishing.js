// What a finished block of model output gets once, after it is shown: its code highlighted and its diagram drawn.
// Neither is on the path of a token: each is a job that waits for an idle moment, one block per job, so no task
// grows with the answer and a block is never done twice. highlight.js and mermaid are loaded when a first block needs
// them, not with the page: evaluating highlight.js's grammars was part of the page's first mount.
import { sanitize, sanitizeDiagram } from "./index.js";

let hljs = null;
let highlighter = null; // highlight.js loading

// highlight.js scopes as pygments' token classes, so the page's one code style (ui.markdown.CODE_STYLE, light and
// dark) colours code in the transcript as in the artifacts, and the content rules' class allowlist holds.
const PYGMENTS = {
  keyword: "k", built_in: "nb", type: "kt", literal: "kc", number: "m", operator: "o", punctuation: "p",
  property: "py", regexp: "sr", string: "s", subst: "si", symbol: "ss", class: "nc", function: "nf", title: "nf",
  "title.class": "nc", "title.function": "nf", params: "", comment: "c", doctag: "cs", meta: "cp", "meta.keyword": "k",
  "meta.string": "s", section: "gh", tag: "nt", name: "nt", attr: "na", attribute: "na", variable: "nv",
  "variable.language": "bp", "variable.constant": "no", "template-variable": "nv", "template-tag": "nt",
  bullet: "", code: "", emphasis: "ge", strong: "gs", quote: "c1", link: "", "selector-tag": "nt",
  "selector-id": "nn", "selector-class": "nc", "selector-attr": "na", "selector-pseudo": "nd", addition: "gi",
  deletion: "gd", char: "sc", "char.escape": "se",
};
// "title.function.invoke" comes as class="hljs-title function_ invoke__".
const SCOPE = /<span class="hljs-([\w-]+)(?: ([a-z]\w*?)_+)?(?: \w+)*">/g;

function pygmentsClasses(html) {
  return html.replace(SCOPE, (_, scope, sub) => {
    const name = (sub && PYGMENTS[`${scope}.${sub}`]) ?? PYGMENTS[scope] ?? "";
    return name ? `<span class="${name}">` : "<span>";
  });
}

function highlight(code) {
  const language = /\blanguage-([\w+#.-]+)/.exec(code.className)?.[1];
  if (!language) return;
  if (!hljs) {
    highlighter ??= import("botarmy-highlight").then((module) => (hljs = module.default));
    highlighter.then(() => whenIdle(() => code.isConnected && highlight(code)));
    return;
  }
  if (!hljs.getLanguage(language)) return;
  const { value } = hljs.highlight(code.textContent, { language, ignoreIllegals: true });
  code.innerHTML = sanitize(pygmentsClasses(value));
}

// An idle moment: the browser has nothing else to do, or IDLE_TIMEOUT_MS passed on a page that never is idle.
const IDLE_TIMEOUT_MS = 500;
const idle = () => new Promise((resolve) => requestIdleCallback(resolve, { timeout: IDLE_TIMEOUT_MS }));

// Diagrams are drawn by the diagram renderer (diagram_frame.js), in a sandboxed frame that Chromium runs in a process
// of its own: made when the page's first diagram needs it.
let renderer = null; // the frame's window, once it said it is ready
const answers = new Map(); // diagram id -> what receives its SVG

function diagramRenderer() {
  renderer ??= new Promise((ready) => {
    const frame = document.createElement("iframe");
    frame.sandbox = "allow-scripts";
    frame.className = "diagram-renderer";
    frame.title = "Diagram renderer";
    frame.tabIndex = -1;
    frame.setAttribute("aria-hidden", "true");
    window.addEventListener("message", (event) => {
      if (event.source !== frame.contentWindow) return;
      if (event.data?.ready) return ready(frame.contentWindow);
      answers.get(event.data?.id)?.(String(event.data.svg ?? ""));
      answers.delete(event.data?.id);
    });
    frame.src = new URL("./diagram_frame.html", import.meta.url).href;
    document.body.appendChild(frame);
  });
  return renderer;
}

async function renderDiagram(id, source) {
  const frame = await diagramRenderer();
  return new Promise((resolve) => {
    answers.set(id, resolve);
    frame.postMessage({ id, source, module: import.meta.resolve("nicegui-mermaid") }, "*");
  });
}

let drawn = 0;

export function drawDiagram(pre) {
  const id = `botarmy-mermaid-${++drawn}`;
  const source = pre.querySelector(".mermaid")?.textContent ?? "";
  return renderDiagram(id, source).then(async (svg) => {
    await idle(); // shown at an idle moment: a diagram can be large
    if (!pre.isConnected || !svg) return; // replaced by newer content meanwhile
    const drawing = document.createElement("div");
    drawing.classList.add("mermaid-svg");
    drawing.innerHTML = sanitizeDiagram(svg);
    pre.appendChild(drawing);
  });
}

// Jobs wait for an idle moment and run while the idle period lasts, at least one each time.
const jobs = [];
let waiting = false;

function runJobs(deadline) {
  waiting = false;
  do {
    const job = jobs.shift();
    try {
      job();
    } catch (error) {
      console.error(error);
    }
  } while (jobs.length && deadline.timeRemaining() > 0);
  if (jobs.length) wait();
}

function wait() {
  if (waiting) return;
  waiting = true;
  requestIdleCallback(runJobs, { timeout: IDLE_TIMEOUT_MS });
}

export function whenIdle(job) {
  jobs.push(job);
  wait();
}

// The finished blocks in `root`, each highlighted or drawn once, when the page is idle.
export function finish(root) {
  for (const code of root.querySelectorAll(".codehilite code")) whenIdle(() => code.isConnected && highlight(code));
  for (const pre of root.querySelectorAll(".mermaid-pre")) whenIdle(() => drawDiagram(pre));
}
