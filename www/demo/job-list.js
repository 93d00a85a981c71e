// The job table: one <tbody> per job, newest first, with a summary row and, once the
// job has output (or streams an llm answer), a row of its result. Rows are built once
// and updated in place; every 100 ms the pending jobs' statuses are read again, so
// elapsed times and retry countdowns tick. Removing an ended job's row revokes the
// object URLs of its result and releases its node, so the service can sweep the job.
import { el, formatDuration, formatError } from "./dom.js";
import { LlmView, renderOutput } from "./results.js";

const PENDING = new Set(["queued", "submitting", "running"]);
const ENDED = new Set(["delivered", "failed", "cancelled", "interrupted"]);
const COLUMNS = [
  "seq", "id", "pipeline", "mode", "fault", "state", "attempt", "elapsed", "retry", "error",
];
const TICK_MS = 100;

/** The jobs the page started, with their live status and results. */
export class JobList {
  /**
   * @param {HTMLTableElement} table
   * @param {HTMLElement} emptyNote shown while there is no job
   * @param {(jobId: string, output: import("/pkg/comfyui_livepeer.js").JobOutput) => void}
   *   onOutput called once with each job's output
   */
  constructor(table, emptyNote, onOutput) {
    this.table = table;
    this.emptyNote = emptyNote;
    this.onOutput = onOutput;
    this.jobs = new Map();
    setInterval(() => this.tick(), TICK_MS);
  }

  /**
   * Starts showing a job. `handle` is the ServiceHandle it runs in; with `ownsService`
   * the handle is freed once the job has ended. `params` are kept for its result.
   * @param {{jobId: string, seq: number, nodeId: string, pipeline: string, params: object,
   *   mode: string, fault: string, handle: import("./services.js").ServiceHandle,
   *   ownsService: boolean}} job
   */
  add(job) {
    const status = job.handle.service.status(job.jobId);
    const entry = { ...job, status, ended: false, urls: [], llm: null, output: null };
    entry.view = this.#buildView(entry);
    this.jobs.set(job.jobId, entry);
    this.emptyNote.hidden = true;
    this.table.querySelector("thead").after(entry.view.body);
    this.#refresh(entry);
  }

  /**
   * Applies a JobEvent to its job: a state change, a retry wait, or a streamed token.
   * An async job's output is shown and delivered as soon as it completes. Live stream
   * statuses and requeues leave the table as it is.
   * @param {import("/pkg/comfyui_livepeer.js").JobEvent} event
   */
  onEvent(event) {
    const entry = this.jobs.get(event.jobId);
    if (!entry) return;
    if (event.type === "token") {
      this.#addToken(entry, event);
      return;
    }
    if (event.type === "retry") {
      const { attempt, retryAt, error } = event;
      entry.status = { ...entry.status, attempt, retryAt, error };
      this.#render(entry);
      return;
    }
    if (event.type !== "state") return;

    const { to: state, attempt, elapsedMs, error } = event;
    entry.status = { ...entry.status, state, attempt, elapsedMs, error, retryAt: undefined };
    if (state === "completed" && entry.mode === "async" && entry.handle.alive) {
      this.showOutput(entry.jobId, entry.handle.service.output(entry.jobId));
      entry.handle.service.deliver(entry.jobId);
    }
    this.#render(entry);
  }

  /**
   * Shows a job's result, once.
   * @param {string} jobId
   * @param {import("/pkg/comfyui_livepeer.js").JobOutput | undefined} output
   */
  showOutput(jobId, output) {
    const entry = this.jobs.get(jobId);
    if (!entry || entry.output || !output) return;
    entry.output = output;
    const { node, urls } = renderOutput(output, entry);
    entry.urls.push(...urls);
    this.#resultCell(entry).append(node);
    entry.view.body.dataset.kind = output.kind;
    this.onOutput(jobId, output);
  }

  /** Reads every pending job's status again and redraws it. */
  tick() {
    for (const entry of this.jobs.values()) {
      if (!entry.ended) this.#refresh(entry);
    }
  }

  #addToken(entry, event) {
    if (!entry.llm) {
      entry.llm = new LlmView();
      this.#resultCell(entry).append(entry.llm.node);
    }
    entry.llm.addToken(event);
    entry.view.body.dataset.streamedTokens = String(entry.llm.streamed);
  }

  /** The cell of the job's result row, made on first use. */
  #resultCell(entry) {
    if (!entry.view.result) {
      entry.view.result = el("td", { colspan: String(COLUMNS.length + 1) });
      entry.view.body.append(el("tr", { class: "result", "data-testid": "job-result" },
        entry.view.result));
    }
    return entry.view.result;
  }

  #refresh(entry) {
    const { handle, jobId } = entry;
    if (handle.alive) entry.status = handle.service.status(jobId) ?? entry.status;

    const state = entry.status?.state;
    if (!handle.alive || ENDED.has(state)) {
      entry.ended = true;
      if (handle.alive) this.showOutput(jobId, handle.service.output(jobId));
      if (!entry.output) entry.llm?.end(state ?? "ended");
      if (entry.ownsService) handle.free();
    }
    this.#render(entry);
  }

  #remove(entry) {
    for (const url of entry.urls) URL.revokeObjectURL(url);
    entry.urls = [];
    if (entry.handle.alive) entry.handle.service.removeNode(entry.nodeId);
    if (entry.ownsService) entry.handle.free();
    entry.view.body.remove();
    this.jobs.delete(entry.jobId);
    this.emptyNote.hidden = this.jobs.size > 0;
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
    const remove = el("button", { type: "button", "data-testid": "job-remove", text: "Remove" });
    remove.addEventListener("click", () => this.#remove(entry));

    const actions = el("td", { class: "row-actions" }, cancel, remove);
    const row = el("tr", { class: "summary" }, ...Object.values(cells), actions);
    const body = el("tbody", {
      "data-testid": "job",
      "data-job-id": entry.jobId,
      "data-seq": String(entry.seq),
      "data-pipeline": entry.pipeline,
    }, row);
    cells.seq.textContent = String(entry.seq);
    cells.id.textContent = entry.jobId;
    cells.pipeline.textContent = entry.pipeline;
    cells.mode.textContent = entry.mode;
    cells.fault.textContent = entry.fault;
    return { body, cells, cancel, remove, result: null };
  }

  #render(entry) {
    const { cells, body, cancel, remove } = entry.view;
    const status = entry.status ?? {};
    body.dataset.state = status.state ?? "";
    cells.state.textContent = status.state ?? "";
    cells.attempt.textContent = String(status.attempt ?? "");
    cells.elapsed.textContent = formatDuration(status.elapsedMs ?? 0);
    cells.retry.textContent = retryText(status);
    cells.error.textContent = formatError(status.error);
    const pending = entry.handle.alive && PENDING.has(status.state);
    cancel.hidden = !pending;
    remove.hidden = pending;
  }
}

function retryText(status) {
  if (status.retryAt === undefined || !PENDING.has(status.state)) return "";
  return `in ${formatDuration(status.retryAt - Date.now())}`;
}
