// The diagram renderer: draws the page's mermaid diagrams in a frame of their own (finishing.js makes it). The frame
// is sandboxed with an opaque origin, so Chromium runs it in a process of its own: evaluating mermaid (a 63 ms task)
// and drawing a diagram (35-73 ms each) never block the page, and the model's diagram source is handled where there
// is no cookie, page or socket to reach. It answers only the page that holds it, with the diagram's SVG, which the
// page sanitizes before showing it.
const MERMAID = {
  startOnLoad: false,
  securityLevel: "strict",
  // Directives inside a diagram cannot change these: a diagram cannot lower the level, loosen mermaid's sanitizer
  // or inject CSS.
  secure: ["secure", "securityLevel", "startOnLoad", "maxTextSize", "suppressErrorRendering", "maxEdges",
           "dompurifyConfig", "themeCSS", "themeVariables", "fontFamily", "altFontFamily"],
};

let mermaid = null;
let drawing = Promise.resolve(); // one diagram at a time: mermaid is one instance

async function draw({ id, source, module }) {
  // The page names the module it would import ("nicegui-mermaid" in its import map); this frame's policy lets it
  // load only this site's scripts.
  mermaid ??= (await import(new URL(module, location.href).href)).mermaid;
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

window.addEventListener("message", (event) => {
  if (event.source !== window.parent || typeof event.data?.id !== "string") return;
  const request = event.data;
  drawing = drawing
    .then(() => draw(request))
    .then((svg) => parent.postMessage({ id: request.id, svg }, "*"))
    .catch((error) => {
      console.error(error);
      parent.postMessage({ id: request.id, svg: "" }, "*");
    });
});
parent.postMessage({ ready: true }, "*");
