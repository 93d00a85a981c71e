// Small DOM and formatting helpers of the demo page. Text always goes in as text nodes,
// never as HTML.

/**
 * Creates an element. `attrs` become attributes, except `text`, which becomes the
 * element's text; `children` (elements or strings) are appended.
 * @param {string} tag
 * @param {Record<string, string>} [attrs]
 * @param {...(Node|string)} children
 * @returns {HTMLElement}
 */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (name === "text") node.textContent = value;
    else node.setAttribute(name, value);
  }
  node.append(...children);
  return node;
}

/**
 * A duration for people: `0.4 s`, `12.3 s`, `2 min 05 s`.
 * @param {number} ms
 * @returns {string}
 */
export function formatDuration(ms) {
  const seconds = Math.max(0, ms) / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const minutes = Math.floor(seconds / 60);
  const rest = String(Math.floor(seconds % 60)).padStart(2, "0");
  return `${minutes} min ${rest} s`;
}

/**
 * The time of day of an epoch time in ms, to the millisecond: `14:03:07.120`.
 * @param {number} at
 * @returns {string}
 */
export function formatClock(at) {
  const time = new Date(at);
  const two = (n) => String(n).padStart(2, "0");
  const ms = String(time.getMilliseconds()).padStart(3, "0");
  return `${two(time.getHours())}:${two(time.getMinutes())}:${two(time.getSeconds())}.${ms}`;
}

/**
 * One line for a job error: its kind and its message (which names the HTTP status).
 * @param {{kind: string, message: string} | undefined} error
 * @returns {string}
 */
export function formatError(error) {
  return error ? `${error.kind}: ${error.message}` : "";
}
