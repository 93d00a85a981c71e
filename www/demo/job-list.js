// The job table: one <tbody> per job, newest first, with a summary row and, once the
// job has output, a row of its images. Rows are built once and updated in place; every
// 100 ms the pending jobs' statuses are read again, so elapsed times and retry
// countdowns tick.
import { el, formatDuration, formatError } from "./dom.js";

const PENDING = new Set(["queued", "submitting", "running"]);
const ENDED = new Set(["delivered", "failed", "cancelled", "interrupted"]);
const COLUMNS = ["seq", "id", "mode", "fault", "state", "attempt", "elapsed", "retry", "error"];
const TICK_MS = 100;

/** The jobs the page started, with their live status. */
export class JobList {
  /**
   * @param {HTMLTableElement} table
   * @param {HTMLElement} emptyNote shown while there is no job
   */
  constructor(table, emptyNote) {
    this.table = table;
    this.emptyNote = emptyNote;
    this.jobs = new Map();
    setInterval(() => this.tick(), TICK_MS);
  }

  /**
   * Starts showing a job. `handle` is the ServiceHandle it runs in; with `ownsService`
   * the handle is freed once the job has ended.
   * @param {{jobId: string, seq: number, mode: string, fault: string,
   *   handle: import("./services.js").ServiceHandle, ownsService: boolean}} job
   */
  add(job) {
    const entry = { ...job, status: job.handle.service.status(job.jobId), ended: false };
    entry.view = this.#buildView(entry);
    this.jobs.set(job.jobId, entry);
    this.emptyNote.hidden = true;
    this.table.querySelector("thead").after(entry.view.body);
    this.#refresh(entry);
  }

  /**
   * Applies a JobEvent to its job. An async job's output is shown and delivered as soon
   * as it completes.
   * @param {import("/pkg/comfyui_livepeer.js").JobEvent} event
   */
  onEvent(event) {
    const entry = this.jobs.get(event.jobId);
    if (!entry) return;
    const { to: state, attempt, elapsedMs, error } = event;
    entry.status = { ...entry.status, state, attempt, elapsedMs, error, retryAt: undefined };

    if (state === "completed" && entry.mode === "async" && entry.handle.alive) {
      this.showOutput(entry.jobId, entry.handle.service.output(entry.jobId));
      entry.handle.service.deliver(entry.jobId);
    }
    this.#render(entry);
  }

  /**
   * Shows a job's images, once.
   * @param {string} jobId
   * @param {import("/pkg/comfyui_livepeer.js").JobOutput | undefined} output
   */
  showOutput(jobId, output) {
    const entry = this.jobs.get(jobId);
    if (!entry || entry.output || !output) return;
    entry.output = output;
    const figures = output.images.map((image, n) => el(
      "figure",
      { "data-testid": "job-figure" },
      el("img", { src: image.url, alt: `image ${n + 1} of ${jobId}`, "data-testid": "job-image" }),
      el("figcaption", { text: `seed ${image.seed} · nsfw ${image.nsfw ? "yes" : "no"}` }),
    ));
    const cell = el("td", { colspan: String(COLUMNS.length + 1) }, el("div", {
      class: "gallery",
    }, ...figures));
    entry.view.body.append(el("tr", { class: "images", "data-testid": "job-images" }, cell));
  }

  /** Reads every pending job's status again and redraws it. */
  tick() {
    for (const entry of this.jobs.values()) {
      if (!entry.ended) this.#refresh(entry);
    }
  }

  #refresh(entry) {
    const { handle, jobId } = entry;
    if (handle.alive) entry.status = handle.service.status(jobId) ?? entry.status;

    const state = entry.status?.state;
    if (!handle.alive || ENDED.has(state)) {
      entry.ended = true;
      if (handle.alive) this.showOutput(jobId, handle.service.output(jobId));
      if (entry.ownsService) handle.free();
    }
    this.#render(entry);
  }

  #buildView(entry) {
    const cells = Object.fromEntries(COLUMNS.map((name) => [
      name,
      el("td", { "data-testid": `job-${name}` }),
    ]));
    const cancel = el("button", { type: "button", "data-testid": "job-cancel", text: "Cancel" });
    cancel.addEventListener("click", () => {
      if (entry.handle.alive) entry.handle.service.cancel(entry.jobId);
      this.#refresh(entry);
    });

    const row = el("tr", { class: "summary" }, ...Object.values(cells), el("td", {}, cancel));
    const body = el("tbody", {
      "data-testid": "job",
      "data-job-id": entry.jobId,
      "data-seq": String(entry.seq),
    }, row);
    cells.seq.textContent = String(entry.seq);
    cells.id.textContent = entry.jobId;
    cells.mode.textContent = entry.mode;
    cells.fault.textContent = entry.fault;
    return { body, cells, cancel };
  }

  #render(entry) {
    const { cells, body, cancel } = entry.view;
    const status = entry.status ?? {};
    body.dataset.state = status.state ?? "";
    cells.state.textContent = status.state ?? "";
    cells.attempt.textContent = String(status.attempt ?? "");
    cells.elapsed.textContent = formatDuration(status.elapsedMs ?? 0);
    cells.retry.textContent = retryText(status);
    cells.error.textContent = formatError(status.error);
    cancel.hidden = !(entry.handle.alive && PENDING.has(status.state));
  }
}

function retryText(status) {
  if (status.retryAt === undefined || !PENDING.has(status.state)) return "";
  return `in ${formatDuration(status.retryAt - Date.now())}`;
}
