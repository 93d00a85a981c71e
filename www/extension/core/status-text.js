// What a Livepeer node shows about its job: the badge (a short state word and colours)
// and the status line (state, elapsed time, attempt, retry countdown, last error).
//
// Pure functions: no DOM, no ComfyUI.

const COLORS = {
  idle: ["#ddd", "#555"],
  waiting: ["#fff", "#6b5b95"],
  queued: ["#fff", "#6b5b95"],
  submitting: ["#fff", "#2f6fb0"],
  running: ["#fff", "#2f6fb0"],
  completed: ["#fff", "#3c8d40"],
  delivered: ["#fff", "#2e7d32"],
  failed: ["#fff", "#c62828"],
  error: ["#fff", "#c62828"],
  cancelled: ["#fff", "#757575"],
  interrupted: ["#222", "#f9a825"],
};

/**
 * A duration for people: "850 ms", "12.3 s", "4 min 05 s".
 * @param {number} ms
 */
export function formatDuration(ms) {
  const value = Math.max(0, ms);
  if (value < 1000) return `${Math.round(value)} ms`;
  if (value < 60_000) return `${(value / 1000).toFixed(1)} s`;
  const minutes = Math.floor(value / 60_000);
  const seconds = String(Math.floor((value % 60_000) / 1000)).padStart(2, "0");
  return `${minutes} min ${seconds} s`;
}

/**
 * @typedef {object} NodeView
 * @property {string} state the job's state, or one of the node's own: "idle",
 *   "waiting" (for an input), "error" (the job could not start)
 * @property {string} badge the badge text
 * @property {string} fg badge text colour
 * @property {string} bg badge background
 * @property {string} line the status line
 * @property {boolean} pending whether the view changes with time
 * @property {boolean} problem whether the line reports an error
 */

/**
 * What a node shows.
 * @param {import("../pkg/comfyui_livepeer.js").JobStatus | undefined} status its job's
 *   status, if a service holds it
 * @param {{state?: string, message?: string, hasResult?: boolean}} local what the
 *   extension knows besides: a wait for inputs, an error before the job started, a
 *   remembered result
 * @param {number} now ms since the epoch
 * @returns {NodeView}
 */
export function describeNode(status, local, now) {
  if (!status) return describeLocal(local);
  const { state, attempt } = status;
  const elapsed = formatDuration(status.elapsedMs);
  const attemptText = attempt > 1 ? ` · attempt ${attempt}` : "";
  const error = status.error?.message;
  let line;
  switch (state) {
    case "queued":
      line = `queued · ${elapsed}`;
      break;
    case "submitting":
    case "running":
      line = `${state} · ${elapsed}${attemptText}`;
      if (status.retryAt && status.retryAt > now) {
        line = `retry in ${formatDuration(status.retryAt - now)}${attemptText}`
          + (error ? ` · ${error}` : "");
      }
      break;
    case "completed":
      line = `done in ${elapsed}; its result goes into the next run`;
      break;
    case "delivered":
      line = `delivered · took ${elapsed}`;
      break;
    case "failed":
      line = `failed after ${elapsed}${attemptText}: ${error ?? "unknown error"}`;
      break;
    case "cancelled":
      line = "cancelled";
      break;
    case "interrupted":
      line = "cut by a page reload; press Run to send it again";
      break;
    default:
      line = state;
  }
  const pending = state === "queued" || state === "submitting" || state === "running";
  return view(state, state, line, pending, state === "failed");
}

function describeLocal(local) {
  switch (local.state) {
    case "waiting":
      return view("waiting", "waiting", local.message ?? "waiting for its input", true, false);
    case "error":
      return view("error", "error", local.message ?? "the job could not start", false, true);
    default:
      if (local.hasResult) return view("delivered", "delivered", "result from an earlier run");
      return view("idle", "idle", local.message ?? "press Run to start a job");
  }
}

function view(state, badge, line, pending = false, problem = false) {
  const [fg, bg] = COLORS[state] ?? COLORS.idle;
  return { state, badge, fg, bg, line, pending, problem };
}
