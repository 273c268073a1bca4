// What a finished block of model output gets once, after it is shown: its code highlighted and its diagram drawn.
// Neither is on the path of a token: each is a job that waits for an idle moment, one block per job, so no task
// grows with the answer and a block is never done twice.
import hljs from "botarmy-highlight";
import { sanitize, sanitizeDiagram } from "./index.js";

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
  if (!language || !hljs.getLanguage(language)) return;
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

// Jobs wait for the browser to be idle (or at most IDLE_TIMEOUT_MS on a page that never is) and run while the idle
// period lasts, at least one each time.
const IDLE_TIMEOUT_MS = 500;
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
