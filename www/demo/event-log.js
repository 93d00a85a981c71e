// The event log: the last JobEvents of every service, newest first.
import { el, formatClock, formatDuration, formatError } from "./dom.js";

/** The list shows a JobEvent stream, keeping the newest `limit` events. */
export class EventLog {
  /**
   * @param {HTMLOListElement} list
   * @param {number} [limit]
   */
  constructor(list, limit = 50) {
    this.list = list;
    this.limit = limit;
  }

  /**
   * Shows one JobEvent at the top of the list.
   * @param {import("/pkg/comfyui_livepeer.js").JobEvent} event
   */
  add(event) {
    const change = event.from === null ? event.to : `${event.from} → ${event.to}`;
    const item = el(
      "li",
      { "data-testid": "event", "data-state": event.to },
      el("time", { text: formatClock(event.at) }),
      el("span", { class: "job-id", text: event.jobId }),
      el("span", { class: "change", text: change }),
      el("span", { class: "detail", text: `attempt ${event.attempt}` }),
      el("span", { class: "detail", text: formatDuration(event.elapsedMs) }),
    );
    if (event.error) item.append(el("span", { class: "error", text: formatError(event.error) }));
    this.list.prepend(item);

    while (this.list.children.length > this.limit) this.list.lastElementChild.remove();
  }
}
