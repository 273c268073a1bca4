// The browser's rules for model output, shared by the streaming and the completed renderer. Model text is untrusted:
// both renderers already show its raw HTML as text, and this is the second layer that holds if a markdown parser
// lets something through. Same policy as the server's (ui/model_html.py): markdown's own tags only, no styles, no
// form controls, no frames or plugins, links only to http(s), mailto, relative paths and #anchors, images only
// from this site.
import DOMPurify from "dompurify";

const SAFE_SCHEMES = new Set(["http", "https", "mailto"]);
const URL_ATTRIBUTES = ["href", "src", "xlink:href", "action", "formaction", "poster", "background", "cite", "data"];
// Classes the renderers emit: pygments' token classes (one to three letters), code, diagram and task-list markup.
// Any other could borrow the page's own styles (Quasar's `fixed-full`, say) to lay text over the app.
const SAFE_CLASS = /^(?:[a-z][a-z0-9]{0,2}|codehilite|mermaid|mermaid-pre|task-box|language-[\w+#.-]+)$/;

// A URL is judged as the browser will read it: entities are already decoded by the HTML parser; percent-escapes,
// whitespace and control characters inside the scheme ("java\tscript:", "java%0Ascript:") are taken out first.
function readable(value) {
  let url = value;
  try {
    url = decodeURIComponent(url);
  } catch {
    // not percent-encoded text: judged as written
  }
  return url.replace(/[\s\u0000-\u001f\u007f-\u009f]/g, "");
}

function safeUrl(value) {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(readable(value));
  return !scheme || SAFE_SCHEMES.has(scheme[1].toLowerCase());
}

// An image from another site would tell that site that someone opened this run (the page's CSP blocks it too).
function ownSiteUrl(value) {
  return !/^(?:[a-z][a-z0-9+.-]*:|[\\/]{2})/i.test(readable(value));
}

function dropUnsafeUrls(node) {
  for (const name of URL_ATTRIBUTES) {
    if (node.hasAttribute?.(name) && !safeUrl(node.getAttribute(name))) node.removeAttribute(name);
  }
  if (node.hasAttribute?.("src") && !ownSiteUrl(node.getAttribute("src"))) node.removeAttribute("src");
}

// Own instances: their hooks and settings must not change NiceGUI's shared DOMPurify.
const content = DOMPurify(window);
content.addHook("afterSanitizeAttributes", (node) => {
  dropUnsafeUrls(node);
  if (node.hasAttribute?.("class")) {
    const kept = node.getAttribute("class").split(/\s+/).filter((name) => SAFE_CLASS.test(name));
    if (kept.length) node.setAttribute("class", kept.join(" "));
    else node.removeAttribute("class");
  }
});
// Markdown's own tags and attributes only, as on the server: no styles, no forms or inputs, no frames, objects or
// embeds, no ids or names (they could shadow the page's globals), no data-* (they could fake our test ids).
const CONTENT = {
  ALLOWED_TAGS: ["a", "blockquote", "br", "code", "del", "div", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "img",
                 "li", "ol", "p", "pre", "s", "span", "strong", "table", "tbody", "td", "th", "thead", "tr", "ul"],
  ALLOWED_ATTR: ["href", "title", "src", "alt", "class", "start"],
  ALLOW_DATA_ATTR: false,
  ALLOW_ARIA_ATTR: false,
  ALLOWED_URI_REGEXP: /^(?:(?:https?|mailto):|[^a-z]|[a-z+.-]+(?:[^a-z+.\-:]|$))/i,
};

export function isSafeClass(name) {
  return SAFE_CLASS.test(name);
}

export function sanitize(html) {
  return content.sanitize(html, CONTENT);
}

// The same, as nodes of this document: the HTML is parsed once, by the sanitizer.
const CONTENT_NODES = { ...CONTENT, RETURN_DOM_FRAGMENT: true };

export function sanitizedFragment(html) {
  return content.sanitize(html, CONTENT_NODES);
}

// A drawn mermaid diagram keeps its own ids, classes and styles (its stylesheet is scoped to its id), but gets the
// same URL rules and no script: mermaid's strict mode sanitizes too; this holds if it ever does not.
const diagram = DOMPurify(window);
diagram.addHook("afterSanitizeAttributes", dropUnsafeUrls);
const DIAGRAM = {
  USE_PROFILES: { svg: true, svgFilters: true, html: true },
  ADD_TAGS: ["foreignObject"],
  HTML_INTEGRATION_POINTS: { foreignobject: true },
  FORBID_TAGS: ["form", "input", "button", "textarea", "select", "iframe", "object", "embed", "base", "link", "meta"],
  ALLOW_DATA_ATTR: false,
  ALLOWED_URI_REGEXP: CONTENT.ALLOWED_URI_REGEXP,
};

export function sanitizeDiagram(svg) {
  return diagram.sanitize(svg, DIAGRAM);
}
