// What a finished block of model output gets once, after it is shown: its code highlighted and its diagram drawn.
// Neither is on the path of a token: each is a job that waits for an idle moment, one block per job, so no task
// grows with the answer and a block is never done twice. Both are done by the renderer (renderer.js), in a sandboxed
// frame that Chromium runs in a process of its own, made when a first block needs it; the page only shows what it
// answers, when the page is idle.
import { isSafeClass, sanitizeDiagram } from "./index.js";

// An idle moment: the browser has nothing else to do, or IDLE_TIMEOUT_MS passed on a page that never is idle.
const IDLE_TIMEOUT_MS = 500;
const idle = () => new Promise((resolve) => requestIdleCallback(resolve, { timeout: IDLE_TIMEOUT_MS }));

// The libraries the renderer draws with, at the addresses this page's import map gives them: in the frame's address,
// so the frame loads them as it starts.
const LIBRARIES = new URLSearchParams({
  mermaid: import.meta.resolve("nicegui-mermaid"),
  highlight: import.meta.resolve("botarmy-highlight"),
});

// The renderer frame's window, as a promise from when it is first made; null before, and again once it never started.
let renderer = null;
const answers = new Map(); // request id -> what receives the renderer's answer
let requests = 0;
// A frame whose document loaded without saying it is ready within this long did not start (its load failed: the
// network was away, or the server restarting): it is made again, so a blip never leaves a page without its diagrams.
const START_GRACE_MS = 1000;
const STARTS = 5;

function startRenderer() {
  return new Promise((ready, failed) => {
    const element = document.createElement("iframe");
    element.sandbox = "allow-scripts";
    element.className = "block-renderer";
    element.title = "Renderer of diagrams and code";
    element.tabIndex = -1;
    element.setAttribute("aria-hidden", "true");
    let started = false;
    const listen = (event) => {
      if (event.source !== element.contentWindow) return;
      if (event.data?.ready) {
        started = true;
        return ready(element.contentWindow);
      }
      answers.get(event.data?.id)?.(event.data.result);
      answers.delete(event.data?.id);
    };
    window.addEventListener("message", listen);
    element.addEventListener("load", () => setTimeout(() => {
      if (started) return;
      window.removeEventListener("message", listen);
      element.remove();
      failed(new Error("the renderer's frame did not start"));
    }, START_GRACE_MS));
    element.src = `${new URL("./renderer.html", import.meta.url).href}?${LIBRARIES}`;
    document.body.appendChild(element);
  });
}

async function rendererWindow() {
  renderer ??= (async () => {
    for (let start = 1; ; start++) {
      try {
        return await startRenderer();
      } catch (error) {
        if (start === STARTS) {
          renderer = null; // a later block tries again
          throw error;
        }
        await new Promise((resolve) => setTimeout(resolve, 1000 * start));
      }
    }
  })();
  return renderer;
}

// What the renderer answers to `request` (its `kind` and what that needs), at the page's next idle moment.
async function render(request) {
  const id = `botarmy-block-${++requests}`;
  const target = await rendererWindow();
  const result = await new Promise((resolve) => {
    answers.set(id, resolve);
    target.postMessage({ ...request, id }, "*");
  });
  await idle();
  return result;
}

// The renderer made, and its libraries loaded, at the page's first idle moment once it shows model output: the first
// finished block is then drawn without waiting for a process to start and a library to load (they took 100-250 ms
// after the block). Once it is made (or being made), there is nothing to warm.
export function warmRenderer() {
  if (!renderer) whenIdle(() => rendererWindow().catch(() => {})); // a failed start is tried again by the blocks
}

// The code as highlighted text: each piece is set as text, with a class only if the content rules allow it.
async function highlight(code) {
  const language = /\blanguage-([\w+#.-]+)/.exec(code.className)?.[1];
  if (!language) return;
  const text = code.textContent;
  const pieces = await render({ kind: "code", text, language });
  if (!code.isConnected || code.textContent !== text || !Array.isArray(pieces)) return;
  const valid = pieces.every((pair) => Array.isArray(pair) && pair.every((value) => typeof value === "string"));
  if (!valid || pieces.map(([, piece]) => piece).join("") !== text) return; // it must show the text it is
  const highlighted = document.createDocumentFragment();
  for (const [name, piece] of pieces) {
    if (!name || !isSafeClass(name)) {
      highlighted.append(piece);
      continue;
    }
    const span = document.createElement("span");
    span.className = name;
    span.textContent = piece;
    highlighted.append(span);
  }
  code.replaceChildren(highlighted);
}

export async function drawDiagram(pre) {
  const source = pre.querySelector(".mermaid")?.textContent ?? "";
  const svg = await render({ kind: "diagram", source });
  if (!pre.isConnected || typeof svg !== "string" || !svg) return; // replaced by newer content meanwhile
  const drawing = document.createElement("div");
  drawing.classList.add("mermaid-svg");
  drawing.innerHTML = sanitizeDiagram(svg);
  pre.appendChild(drawing);
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
