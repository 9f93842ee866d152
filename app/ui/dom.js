// Building the page from data that is untrusted (names, quotes, URLs come from loaded files):
// every value becomes a DOM text node or a property, never markup, so no string of the data
// can become an element or a script. Nothing in the UI assigns innerHTML.

/**
 * An element: ``h("a", {href, className: "x", dataset: {node: id}, onclick}, "text", child)``.
 * Attributes are set as properties (``on…`` as listeners); children are nodes or strings
 * (made text nodes); null, undefined and false children are left out, arrays are flattened.
 */
export function h(tag, attrs = {}, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "dataset") Object.assign(element.dataset, value);
    else if (key === "style") Object.assign(element.style, value);
    else if (key.startsWith("on") && typeof value === "function") {
      element.addEventListener(key.slice(2), value);
    } else if (key === "href") {
      const url = safeUrl(value, true);
      if (url) element.href = url;
    } else if (key in element && key !== "role" && !key.startsWith("aria")) element[key] = value;
    else element.setAttribute(key, value === true ? "" : String(value));
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(element, child);
    else element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replace an element's content with these children (the safe ``innerHTML``). */
export function fill(element, ...children) {
  element.replaceChildren();
  append(element, children);
  return element;
}

/**
 * ``url`` if it is an absolute http(s) URL, else null. The schema refuses other URLs at load;
 * this is checked again here, since the API may serve a store written by something else.
 * ``local``: also a same-page link (``#…``), as the UI's own links are.
 */
export function safeUrl(url, local = false) {
  const text = String(url ?? "").trim();
  if (local && text.startsWith("#")) return text;
  let parsed;
  try {
    parsed = new URL(text);
  } catch {
    return null;
  }
  return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : null;
}
