// The event log: the last JobEvents of every service, newest first. State changes,
// retries, live stream statuses and requeues get a line each; the tokens of a streamed
// llm answer get one line per attempt that counts them, so a long answer does not push
// everything else out.
import { el, formatClock, formatDuration, formatError } from "./dom.js";

/** The list shows a JobEvent stream, keeping the newest `limit` lines. */
export class EventLog {
  /**
   * @param {HTMLOListElement} list
   * @param {number} [limit]
   */
  constructor(list, limit = 50) {
    this.list = list;
    this.limit = limit;
    /** The token line of each `<jobId>/<attempt>` still in the list. */
    this.tokenLines = new Map();
  }

  /**
   * Shows one JobEvent.
   * @param {import("/pkg/comfyui_livepeer.js").JobEvent} event
   */
  add(event) {
    if (event.type === "token") this.#countToken(event);
    else if (event.type === "retry") this.#prepend(retryLine(event));
    else if (event.type === "live") this.#prepend(liveLine(event));
    else if (event.type === "requeue") this.#prepend(requeueLine(event));
    else if (event.type === "state") this.#prepend(stateLine(event));
  }

  #countToken(event) {
    const key = `${event.jobId}/${event.attempt}`;
    let line = this.tokenLines.get(key);
    if (!line) {
      const count = el("span", { class: "detail" });
      line = { item: eventLine(event, "token", "streaming"), count };
      line.item.append(count);
      line.item.dataset.key = key;
      this.tokenLines.set(key, line);
      this.#prepend(line.item);
    }
    const tokens = event.index + 1;
    line.count.textContent = `${tokens} token${tokens === 1 ? "" : "s"}`;
    line.item.dataset.tokens = String(tokens);
  }

  #prepend(item) {
    this.list.prepend(item);
    while (this.list.children.length > this.limit) {
      const last = this.list.lastElementChild;
      if (last.dataset.key) this.tokenLines.delete(last.dataset.key);
      last.remove();
    }
  }
}

function stateLine(event) {
  const change = event.from === null ? event.to : `${event.from} → ${event.to}`;
  const item = eventLine(event, "state", change);
  item.dataset.state = event.to;
  item.append(el("span", { class: "detail", text: formatDuration(event.elapsedMs) }));
  if (event.error) item.append(el("span", { class: "error", text: formatError(event.error) }));
  return item;
}

function retryLine(event) {
  const item = eventLine(event, "retry", "retry");
  item.append(
    el("span", { class: "detail", text: `waits ${formatDuration(event.retryAt - event.at)}` }),
    el("span", { class: "error", text: formatError(event.error) }),
  );
  return item;
}

function liveLine(event) {
  const item = eventLine(event, "live", event.ended ? "live stream ended" : "live status");
  const summary = liveSummary(event.status);
  if (summary) item.append(el("span", { class: "detail", text: summary }));
  if (event.error) item.append(el("span", { class: "error", text: formatError(event.error) }));
  return item;
}

/** The runner's state and output frame rate from a go-livepeer status, if it has them. */
function liveSummary(status) {
  const inference = status?.inference_status;
  if (!inference || typeof inference !== "object") return "";
  const parts = [];
  if (typeof inference.state === "string") parts.push(inference.state);
  if (typeof inference.output_fps === "number") {
    parts.push(`${inference.output_fps.toFixed(1)} fps out`);
  }
  return parts.join(" · ");
}

function requeueLine(event) {
  const count = event.jobIds.length;
  return el(
    "li",
    { "data-testid": "event", "data-type": "requeue" },
    el("time", { text: formatClock(event.at) }),
    el("span", { class: "change", text: `requeue for ${count} job${count === 1 ? "" : "s"}` }),
  );
}

/**
 * The start the lines of one job share: time, job, pipeline, what happened and, when
 * the event has one, the attempt.
 */
function eventLine(event, type, what) {
  const item = el(
    "li",
    { "data-testid": "event", "data-type": type },
    el("time", { text: formatClock(event.at) }),
    el("span", { class: "job-id", text: event.jobId }),
    el("span", { class: "detail pipeline", text: event.pipeline }),
    el("span", { class: "change", text: what }),
  );
  if (event.attempt !== undefined) {
    item.append(el("span", { class: "detail", text: `attempt ${event.attempt}` }));
  }
  return item;
}
