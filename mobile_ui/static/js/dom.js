/* Building the screen: h("button.primary", {onclick: f}, "text") and friends.
 * No framework: a screen is a function that fills <main>; a change redraws its part. */

export function h(tag, props, ...children) {
  const parts = tag.split(".");
  const el = document.createElement(parts[0] || "div");
  if (parts.length > 1) el.className = parts.slice(1).join(" ");
  if (props) {
    for (const name of Object.keys(props)) {
      const value = props[name];
      if (value === undefined || value === null || value === false) continue;
      if (name.indexOf("on") === 0 && typeof value === "function") {
        el.addEventListener(name.slice(2), value);
      } else if (name === "dataset") {
        Object.assign(el.dataset, value);
      } else if (name === "class") {
        el.className = (el.className ? el.className + " " : "") + value;
      } else if (name in el && name !== "list" && name !== "form") {
        el[name] = value;
      } else {
        el.setAttribute(name, value === true ? "" : value);
      }
    }
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

export function $(selector, root) {
  return (root || document).querySelector(selector);
}

/* A labelled number field with big minus/plus buttons. */
export function stepper(id, value, min) {
  const input = h("input", {id: id, type: "number", inputMode: "numeric", min: String(min || 0), value: String(value)});
  const change = (delta) => () => {
    const next = Math.max(min || 0, (parseInt(input.value, 10) || 0) + delta);
    input.value = String(next);
    input.dispatchEvent(new Event("input"));
  };
  return h("div.stepper", null,
    h("button", {type: "button", onclick: change(-1), "aria-label": "-1"}, "\u2212"),
    input,
    h("button", {type: "button", onclick: change(1), "aria-label": "+1"}, "+"));
}

export function intValue(id) {
  const el = document.getElementById(id);
  const value = parseInt(el && el.value, 10);
  return isNaN(value) ? null : value;
}

/* Replace an element's children (Element.replaceChildren is Chrome 86+). */
export function fill(el, ...children) {
  clear(el);
  return append(el, children);
}
