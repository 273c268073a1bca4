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

const MERMAID = {
  startOnLoad: false,
  securityLevel: "strict",
  // Directives inside a diagram cannot change these: a diagram cannot lower the level, loosen mermaid's sanitizer
  // or inject CSS.
  secure: ["secure", "securityLevel", "startOnLoad", "maxTextSize", "suppressErrorRendering", "maxEdges",
           "dompurifyConfig", "themeCSS", "themeVariables", "fontFamily", "altFontFamily"],
};

// An idle moment: the browser has nothing else to do, or IDLE_TIMEOUT_MS passed on a page that never is idle.
const IDLE_TIMEOUT_MS = 500;
const idle = () => new Promise((resolve) => requestIdleCallback(resolve, { timeout: IDLE_TIMEOUT_MS }));

// One diagram at a time, each with our settings set right before it: mermaid is one instance for the whole page,
// and another element initializing it must not loosen ours.
let diagrams = Promise.resolve();
let drawn = 0;

export function drawDiagram(pre) {
  const id = `botarmy-mermaid-${++drawn}`;
  const source = pre.querySelector(".mermaid")?.textContent ?? "";
  const done = diagrams.then(async () => {
    if (!pre.isConnected) return;
    const { mermaid } = await import("nicegui-mermaid");
    // A task of its own, when the page is idle: drawn as soon as mermaid had loaded, or another diagram was drawn,
    // the drawing added to that task (diagrams queued together made one task of all of them).
    await idle();
    if (!pre.isConnected) return;
    mermaid.initialize(MERMAID);
    let result;
    try {
      result = await mermaid.render(id, source);
    } catch (error) {
      console.error(error);
      result = await mermaid.render(id, "error");
    }
    if (!pre.isConnected) return; // replaced by newer content meanwhile
    const svg = document.createElement("div");
    svg.classList.add("mermaid-svg");
    svg.innerHTML = sanitizeDiagram(result.svg);
    result.bindFunctions?.(svg);
    pre.appendChild(svg);
  });
  diagrams = done.catch(() => {});
  return done;
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
