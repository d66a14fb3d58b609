// A tiny element builder: plain DOM, no framework, text always set as text (never HTML).

/**
 * h("button", {type: "button", onclick}, "Accept") → <button type="button">Accept</button>.
 * Attributes starting with "on" become listeners; `hidden`, `disabled` and other booleans are set
 * as properties; children may be strings, nodes, arrays, null or false.
 */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      element.addEventListener(name.slice(2), value);
    } else if (name === "class") {
      element.className = value;
    } else if (name === "dataset") {
      Object.assign(element.dataset, value);
    } else if (value === true) {
      element.setAttribute(name, "");
    } else {
      element.setAttribute(name, String(value));
    }
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(element, child);
    else element.append(child instanceof Node ? child : String(child));
  }
}

/** Replaces every child of `element`. */
export function replaceChildren(element, ...children) {
  element.replaceChildren();
  append(element, children);
}

/** Shows a readable error in `region` (an element with role="alert" or aria-live). */
export function showError(region, error) {
  region.hidden = false;
  region.textContent = error?.message ?? String(error);
}

export function clearError(region) {
  region.hidden = true;
  region.textContent = "";
}
