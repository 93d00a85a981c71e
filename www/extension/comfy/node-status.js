// What each Livepeer node shows: a badge with its job's state and a status line under
// the node, both redrawn while jobs run, and a toast for a failure the user must act on.
import { describeNode } from "../core/status-text.js";
import { JOB_PROPERTY } from "./graph-view.js";

/** Error kinds that a toast reports: retrying cannot fix them. */
const ACT_ON = new Set(["unauthorized", "validation", "bad_request", "invalid_input",
  "vanished", "deadline"]);
const TICK_MS = 250;
const LINE_HEIGHT = 16;

/** Node status: local states, the repaint timer, badges, drawing and failure toasts. */
export class NodeStatus {
  /**
   * @param {object} options
   * @param {any} options.app ComfyUI's app
   * @param {{status: (jobId: string) => any}} options.jobs
   * @param {(toast: object) => void} options.toast
   * @param {() => any[]} options.livepeerNodes the Livepeer nodes of the open graph
   */
  constructor({ app, jobs, toast, livepeerNodes }) {
    this.app = app;
    this.jobs = jobs;
    this.toast = toast;
    this.livepeerNodes = livepeerNodes;
    this.local = new WeakMap();
    this.timer = null;
    this.toasted = new Set();
  }

  /**
   * Sets what a node shows besides its job: `{state: "waiting" | "error" | "idle",
   * message}`; undefined clears it.
   */
  setLocal(node, local) {
    if (local) this.local.set(node, local);
    else this.local.delete(node);
    this.refresh();
  }

  /** What a node shows now. */
  view(node) {
    const job = node.properties?.[JOB_PROPERTY];
    const status = job?.jobId ? this.jobs.status(job.jobId) : undefined;
    const local = this.local.get(node) ?? {};
    const hasResult = Boolean(job?.result);
    return describeNode(local.state ? undefined : status, { ...local, hasResult }, Date.now());
  }

  /** A badge thunk for `node.badges`, re-read on every frame. */
  badge(node) {
    let last = null;
    let badge = null;
    return () => {
      const { badge: text, fg, bg } = this.view(node);
      const key = `${text}|${fg}|${bg}`;
      if (key !== last) {
        last = key;
        badge = new globalThis.LGraphBadge({ text: `Livepeer · ${text}`, fgColor: fg,
          bgColor: bg });
      }
      return badge;
    };
  }

  /** Draws the status line under a node (node-local coordinates). */
  draw(node, ctx) {
    if (node.flags?.collapsed) return;
    const { line, problem } = this.view(node);
    const width = Math.max(80, node.size[0]);
    ctx.save();
    ctx.font = "12px sans-serif";
    ctx.textBaseline = "top";
    ctx.fillStyle = problem ? "#ff6b6b" : "#aaa";
    const lines = wrap(ctx, line, width - 8).slice(0, 3);
    lines.forEach((text, i) => ctx.fillText(text, 4, node.size[1] + 6 + i * LINE_HEIGHT));
    ctx.restore();
  }

  /** A job event arrived: toast an actionable failure, repaint, keep ticking. */
  onEvent(event) {
    if (event.type === "state" && event.to === "failed" && ACT_ON.has(event.error?.kind)
      && !this.toasted.has(event.jobId)) {
      this.toasted.add(event.jobId);
      this.toast({
        severity: "error",
        summary: `Livepeer ${event.pipeline} failed`,
        detail: event.error.message,
        life: 10000,
      });
    }
    this.refresh();
  }

  /**
   * Toasts an error that kept a job from starting: a LivepeerError of a kind retrying
   * cannot fix, or any other Error (an input that cannot be read, a bad value).
   * @param {string} pipeline
   * @param {Error & {kind?: string}} error
   */
  reportFailure(pipeline, error) {
    if (error.kind && !ACT_ON.has(error.kind)) return;
    this.toast({
      severity: "error",
      summary: `Livepeer ${pipeline} did not start`,
      detail: error.message,
      life: 10000,
    });
  }

  /** Repaints now and keeps repainting while a node shows a pending state. */
  refresh() {
    this.app.canvas?.setDirty(true, true);
    if (this.timer !== null) return;
    if (!this.anyPending()) return;
    this.timer = setInterval(() => {
      this.app.canvas?.setDirty(true, true);
      if (!this.anyPending()) {
        clearInterval(this.timer);
        this.timer = null;
      }
    }, TICK_MS);
  }

  /** @private */
  anyPending() {
    return this.livepeerNodes().some((node) => this.view(node).pending);
  }
}

function wrap(ctx, text, width) {
  const lines = [];
  let current = "";
  for (const word of String(text).split(" ")) {
    const next = current ? `${current} ${word}` : word;
    if (current && ctx.measureText(next).width > width) {
      lines.push(current);
      current = word;
    } else {
      current = next;
    }
  }
  if (current) lines.push(current);
  return lines;
}
