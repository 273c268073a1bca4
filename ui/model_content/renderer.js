// The renderer: draws the page's finished blocks in a frame of their own (finishing.js makes it), diagrams with
// mermaid and code with highlight.js. The frame is sandboxed with an opaque origin, so Chromium runs it in a process
// of its own: evaluating mermaid (a 63 ms task), drawing a diagram (35-73 ms) and highlighting a long block never
// block the page, and the model's text is handled where there is no cookie, page or socket to reach. It answers only
// the page that holds it, and the page treats each answer as untrusted: a diagram's SVG is sanitized, code comes
// back as text with class names, which the page sets as text.
const MERMAID = {
  startOnLoad: false,
  securityLevel: "strict",
  // Directives inside a diagram cannot change these: a diagram cannot lower the level, loosen mermaid's sanitizer
  // or inject CSS.
  secure: ["secure", "securityLevel", "startOnLoad", "maxTextSize", "suppressErrorRendering", "maxEdges",
           "dompurifyConfig", "themeCSS", "themeVariables", "fontFamily", "altFontFamily"],
};

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
const SCOPE = /^hljs-([\w-]+)(?: ([a-z]\w*?)_+)?/;

function pygmentsClass(className) {
  const [, scope, sub] = SCOPE.exec(className) ?? [];
  return (sub && PYGMENTS[`${scope}.${sub}`]) ?? PYGMENTS[scope] ?? "";
}

// The libraries, at the addresses the page gives in this frame's address (its import map's), loaded as the frame
// starts: this frame's policy lets it load only this site's scripts.
const libraries = new URLSearchParams(location.search);
const library = (name) => import(new URL(libraries.get(name), location.href).href);
const mermaidLibrary = library("mermaid");
const highlightLibrary = library("highlight");

async function diagram({ id, source }) {
  const { mermaid } = await mermaidLibrary;
  mermaid.initialize(MERMAID);
  let result;
  try {
    result = await mermaid.render(id, source);
  } catch (error) {
    console.error(error);
    result = await mermaid.render(id, "error");
  }
  return result.svg;
}

// Code as [class, text] pairs, each text with the class of the innermost highlighted scope around it ("": none).
async function code({ text, language }) {
  const hljs = (await highlightLibrary).default;
  if (!hljs.getLanguage(language)) return [];
  const template = document.createElement("template");
  template.innerHTML = hljs.highlight(text, { language, ignoreIllegals: true }).value;
  const pieces = [];
  const walk = (node, name) => {
    for (const child of node.childNodes) {
      if (child.nodeType === Node.TEXT_NODE) pieces.push([name, child.data]);
      else walk(child, pygmentsClass(child.className) || name);
    }
  };
  walk(template.content, "");
  return pieces;
}

const RENDER = { diagram, code };
let rendering = Promise.resolve(); // one at a time: mermaid is one instance

window.addEventListener("message", (event) => {
  const request = event.data;
  const known = typeof request?.id === "string" && Object.hasOwn(RENDER, request.kind);
  if (event.source !== window.parent || !known) return;
  rendering = rendering
    .then(() => RENDER[request.kind](request))
    .catch((error) => {
      console.error(error);
      return null;
    })
    .then((result) => parent.postMessage({ id: request.id, result }, "*"));
});
parent.postMessage({ ready: true }, "*");
