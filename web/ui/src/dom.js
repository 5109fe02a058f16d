// DOM helpers: a query shorthand and an element builder.

// $ is the first element matching sel under root (document by default), or null.
export const $ = (sel, root = document) => root.querySelector(sel);

// el builds an element: attrs "class" and "text" set className and textContent, "on…" add event
// listeners, null/false attributes are left out, true sets an empty attribute; kids are appended
// (strings and numbers as text, null skipped, arrays flattened).
export function el(tag, attrs = {}, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v == null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const k of kids.flat()) if (k != null) e.append(k instanceof Node ? k : document.createTextNode(String(k)));
  return e;
}
