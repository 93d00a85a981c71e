// The prompt rewrite: turns the API prompt ComfyUI built (in which Livepeer nodes, being
// frontend-only, are absent and links from them dropped or passed through) into the one
// to send:
//
// 1. a Livepeer node whose result is ready becomes, at its own id, the core loader that
//    holds the result file (LoadImage, LoadImageMask, LoadVideo, LoadAudio,
//    PrimitiveStringMultiline);
// 2. every input linked from a Livepeer node, in the graph, is wired to `[id, 0]`;
// 3. a node fed by a Livepeer node without a result is removed, and so is everything
//    downstream of it;
// 4. a Livepeer node waiting for the output of another node gets a preview node fed by
//    that output (a capture): when it runs, the extension reads the file it shows.
//
// Pure functions: no DOM, no ComfyUI.
import { isLink } from "./fingerprint.js";
import { isActiveLivepeer, resolveOrigin } from "./graph.js";

/** The node that captures an input of each type, and its input's name. */
const CAPTURE_NODES = {
  IMAGE: { classType: "PreviewImage", input: "images" },
  AUDIO: { classType: "PreviewAudio", input: "audio" },
};

/**
 * The prompt id of the capture node for one input of a Livepeer node.
 * @param {string} nodeId
 * @param {string} inputName
 */
export function captureId(nodeId, inputName) {
  return `livepeer-input-${nodeId}-${inputName}`;
}

/**
 * @typedef {object} Capture
 * @property {string} id the capture node's prompt id
 * @property {string} nodeId the Livepeer node that waits for it
 * @property {string} input that node's input
 * @property {string} type IMAGE or AUDIO
 */

/**
 * Rewrites a prompt; `output` is not changed.
 * @param {Record<string, any>} output the prompt ComfyUI built
 * @param {{nodes: Record<string, any>}} view the graph view (see graph.js)
 * @param {Map<string, import("./plan.js").Decision>} decisions from planRun
 * @param {Map<string, {class_type: string, inputs: object}>} loaders the loader of each
 *   ready Livepeer node; a ready node without one counts as not ready
 * @returns {{output: Record<string, any>, removed: string[], captures: Capture[]}}
 */
export function rewritePrompt(output, view, decisions, loaders) {
  const result = JSON.parse(JSON.stringify(output));
  const ready = new Set();
  for (const [id, decision] of decisions) {
    const loader = loaders.get(id);
    if (decision.action !== "ready" || !loader) continue;
    const title = view.nodes[id]?.title;
    result[id] = { ...loader, _meta: { title: title ?? loader.class_type } };
    ready.add(id);
  }

  const blocked = new Set();
  for (const node of Object.values(view.nodes)) {
    if (!result[node.id] || ready.has(node.id)) continue;
    for (const input of node.inputs) {
      const origin = resolveOrigin(view, input);
      if (!origin || !isActiveLivepeer(view.nodes[origin.originId])) continue;
      if (ready.has(origin.originId)) result[node.id].inputs[input.name] = [origin.originId, 0];
      else blocked.add(node.id);
    }
  }

  const removed = prune(result, blocked);
  const captures = addCaptures(result, decisions);
  return { output: result, removed, captures };
}

/** Removes `blocked` and every node that depends on a removed one; returns their ids. */
function prune(output, blocked) {
  const removed = new Set();
  for (const id of blocked) {
    delete output[id];
    removed.add(id);
  }
  let changed = removed.size > 0;
  while (changed) {
    changed = false;
    for (const [id, node] of Object.entries(output)) {
      const inputs = Object.values(node.inputs ?? {});
      if (inputs.some((value) => isLink(value) && removed.has(String(value[0])))) {
        delete output[id];
        removed.add(id);
        changed = true;
      }
    }
  }
  return [...removed];
}

function addCaptures(output, decisions) {
  const captures = [];
  for (const [nodeId, decision] of decisions) {
    if (decision.action !== "wait") continue;
    for (const [input, source] of Object.entries(decision.sources)) {
      const capture = CAPTURE_NODES[source.type];
      if (source.kind !== "capture" || !capture || !output[source.nodeId]) continue;
      const id = captureId(nodeId, input);
      output[id] = {
        class_type: capture.classType,
        inputs: { [capture.input]: [source.nodeId, source.slot] },
        _meta: { title: `Livepeer input ${input} of #${nodeId}` },
      };
      captures.push({ id, nodeId, input, type: source.type });
    }
  }
  return captures;
}

/**
 * Whether a prompt holds a node that ComfyUI would run as an output.
 * @param {Record<string, {class_type: string}>} output
 * @param {(classType: string) => boolean} isOutputNode
 */
export function hasOutputNode(output, isOutputNode) {
  return Object.values(output).some((node) => isOutputNode(node.class_type));
}
