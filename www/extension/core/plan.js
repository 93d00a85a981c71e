// The planner: for each Livepeer node of a run, where its inputs come from, its
// fingerprint, and what the run does with it:
//
// - `ready`: its job has a result (or the node remembers an uploaded one): a loader
//   takes its place in the prompt;
// - `pending`: its job is still running: its branch waits;
// - `submit`: it needs a new job and every input is at hand;
// - `resubmit`: its job was cut by a page reload: send it again, same id;
// - `wait`: it needs a job, but an input is not ready yet (another Livepeer node's job
//   is running, or the input comes from a node that must run first: a capture);
// - `blocked`: nothing can run it in this run (its job failed, or it was not asked for);
// - `missing`: an input is not connected.
//
// A manual run (`mode: "run"`) starts jobs for nodes without one or whose fingerprint
// changed. An automatic requeue (`mode: "requeue"`) never does, except for the nodes
// the manual run asked for whose inputs were not ready then (`wanted`).
//
// Pure functions: no DOM, no ComfyUI.
import { hashText, nodeFingerprint, upstreamText } from "./fingerprint.js";
import { isActiveLivepeer, livepeerOrder, resolveOrigin } from "./graph.js";
import { nodeDef } from "./node-defs.js";

/** ComfyUI's loader nodes and the input that names their file. */
export const LOADER_INPUTS = {
  LoadImage: "image",
  LoadImageMask: "image",
  LoadAudio: "audio",
  LoadVideo: "file",
};

/** Job states in which a job still runs. */
export const PENDING_STATES = new Set(["queued", "submitting", "running"]);
/** Job states in which a job holds a result. */
export const READY_STATES = new Set(["completed", "delivered"]);

/**
 * @typedef {object} Source where one input of a Livepeer node comes from
 * @property {"file" | "livepeer" | "capture"} kind
 * @property {string} nodeId the node the data comes from
 * @property {number} slot its output slot
 * @property {string} type the input's type (IMAGE, AUDIO)
 * @property {string} [file] a loader's file, as its widget names it
 * @property {string} [upstream] for a capture: the prompt text that produces it
 */

/**
 * @typedef {object} Decision
 * @property {string} nodeId
 * @property {string} pipeline
 * @property {string} fingerprint
 * @property {"ready"|"pending"|"submit"|"resubmit"|"wait"|"blocked"|"missing"} action
 * @property {string} [jobId] the job the node uses in this run
 * @property {{class_type: string, inputs: object} | undefined} [result] a remembered
 *   loader for the node's result
 * @property {Record<string, Source>} sources by input name
 * @property {string} [missing] the name of an input that is not connected
 */

/**
 * Decides what a run does with each Livepeer node of `view`.
 * @param {{nodes: Record<string, any>}} view the graph view (see graph.js)
 * @param {Record<string, any>} output the prompt ComfyUI built (Livepeer nodes absent)
 * @param {object} options
 * @param {"run" | "requeue"} options.mode
 * @param {(jobId: string) => string | undefined} options.jobState a job's state, or
 *   undefined when no service knows it
 * @param {Record<string, string>} [options.jobs] requeue: the job of each node, as the
 *   run that is requeued recorded it (instead of the nodes' own)
 * @param {Set<string>} [options.wanted] requeue: nodes that run asked to start
 * @returns {Map<string, Decision>}
 */
export function planRun(view, output, options) {
  const decisions = new Map();
  for (const id of livepeerOrder(view)) {
    decisions.set(id, decide(view, output, view.nodes[id], decisions, options));
  }
  return decisions;
}

function decide(view, output, node, decisions, options) {
  const def = nodeDef(node.type);
  const sources = {};
  let missing;
  for (const input of node.inputs.filter((slot) => isMediaInput(def, slot.name))) {
    const source = describeSource(view, output, input);
    if (source) sources[input.name] = source;
    else missing ??= input.name;
  }
  const fingerprint = nodeFingerprint(def.pipeline, node.widgets ?? {},
    fingerprintSources(sources, decisions));
  const base = { nodeId: node.id, pipeline: def.pipeline, fingerprint, sources };
  if (missing) return { ...base, action: "missing", missing };

  const remembered = node.job ?? {};
  if (options.mode === "requeue") {
    const jobId = options.jobs?.[node.id];
    const result = remembered.jobId === jobId ? remembered.result : undefined;
    if (jobId) {
      const held = holdsJob(jobId, result, options.jobState);
      return { ...base, jobId, result, action: held === "failed" ? "blocked" : held };
    }
    if (!options.wanted?.has(node.id)) return { ...base, action: "blocked" };
    return { ...base, action: whenInputsReady(sources, decisions) };
  }

  if (remembered.jobId && remembered.fingerprint === fingerprint) {
    const { jobId, result } = remembered;
    const held = holdsJob(jobId, result, options.jobState);
    if (held === "ready" || held === "pending") return { ...base, jobId, result, action: held };
    if (options.jobState(jobId) === "interrupted") {
      return { ...base, jobId, action: "resubmit" };
    }
  }
  return { ...base, action: whenInputsReady(sources, decisions) };
}

function isMediaInput(def, name) {
  return def.inputs.some((input) => input.name === name);
}

/** "ready", "pending" or "failed" for a job a node holds. */
function holdsJob(jobId, result, jobState) {
  const state = jobState(jobId);
  if (READY_STATES.has(state)) return "ready";
  if (PENDING_STATES.has(state)) return "pending";
  if (state === undefined && result) return "ready";
  return "failed";
}

function describeSource(view, output, input) {
  const origin = resolveOrigin(view, input);
  if (!origin) return null;
  const { originId: nodeId, originSlot: slot } = origin;
  const upstream = view.nodes[nodeId];
  const base = { nodeId, slot, type: input.type };
  if (isActiveLivepeer(upstream)) return { ...base, kind: "livepeer" };
  const fileInput = LOADER_INPUTS[upstream.type];
  const file = output[nodeId]?.inputs?.[fileInput];
  if (fileInput && slot === 0 && typeof file === "string") {
    return { ...base, kind: "file", loader: upstream.type, file };
  }
  return { ...base, kind: "capture", upstream: upstreamText(output, nodeId) };
}

function fingerprintSources(sources, decisions) {
  const described = {};
  for (const [name, source] of Object.entries(sources)) {
    if (source.kind === "file") described[name] = { file: source.file };
    if (source.kind === "livepeer") {
      described[name] = { livepeer: decisions.get(source.nodeId)?.fingerprint ?? null };
    }
    if (source.kind === "capture") {
      described[name] = { capture: hashText(source.upstream), slot: source.slot };
    }
  }
  return described;
}

function whenInputsReady(sources, decisions) {
  let action = "submit";
  for (const source of Object.values(sources)) {
    if (source.kind === "capture") action = "wait";
    if (source.kind !== "livepeer") continue;
    const upstream = decisions.get(source.nodeId)?.action;
    if (upstream === "ready") continue;
    if (upstream === "blocked" || upstream === "missing" || upstream === undefined) {
      return "blocked";
    }
    action = "wait";
  }
  return action;
}
