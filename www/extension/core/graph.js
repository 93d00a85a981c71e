// Reading a graph view: a plain-data copy of the LiteGraph graph (see comfy/graph-view.js)
// that the planner and the prompt rewrite work on.
//
// A view is `{nodes: {[id]: ViewNode}}`, ids as strings. A ViewNode is
// `{id, type, mode, title?, inputs: [{name, type, link: {originId, originSlot} | null}],
// widgets?, job?}`; Livepeer nodes carry `widgets` (values by name) and `job` (what
// their properties remember: `{jobId, fingerprint, result}`).
//
// Pure functions: no DOM, no ComfyUI.
import { nodeDef } from "./node-defs.js";

/** LiteGraph's node modes that matter here. */
export const MODE = { ALWAYS: 0, NEVER: 2, BYPASS: 4 };

/**
 * Whether a view node is a Livepeer node that runs (not muted or bypassed).
 * @param {{type: string, mode?: number} | undefined} node
 */
export function isActiveLivepeer(node) {
  return Boolean(node && nodeDef(node.type) && (node.mode ?? MODE.ALWAYS) === MODE.ALWAYS);
}

/**
 * Where the data on a node's input really comes from: follows a link back through
 * legacy Reroute nodes and bypassed nodes (as ComfyUI does when it builds a prompt) to
 * the first node that produces it. Returns `{originId, originSlot}` or null when the
 * input is not linked or the chain ends nowhere.
 * @param {{nodes: Record<string, any>}} view
 * @param {{type?: string, link: {originId: string, originSlot: number} | null}} input
 */
export function resolveOrigin(view, input) {
  let link = input.link;
  const seen = new Set();
  while (link) {
    const key = `${link.originId}:${link.originSlot}`;
    if (seen.has(key)) return null;
    seen.add(key);
    const origin = view.nodes[link.originId];
    if (!origin) return null;
    if (origin.type === "Reroute") {
      link = origin.inputs[0]?.link ?? null;
    } else if (origin.mode === MODE.BYPASS) {
      link = bypassInput(origin, link.originSlot, input.type)?.link ?? null;
    } else {
      return link;
    }
  }
  return null;
}

function bypassInput(node, slot, type) {
  const same = node.inputs[slot];
  if (same && (type === undefined || same.type === type || same.type === "*")) return same;
  return node.inputs.find((candidate) => candidate.type === type);
}

/**
 * The Livepeer nodes of a view that run, upstream ones first (a node comes after every
 * Livepeer node its inputs come from). Nodes in a cycle come last, in id order.
 * @param {{nodes: Record<string, any>}} view
 * @returns {string[]}
 */
export function livepeerOrder(view) {
  const ids = Object.keys(view.nodes).filter((id) => isActiveLivepeer(view.nodes[id]))
    .sort((a, b) => Number(a) - Number(b) || a.localeCompare(b));
  const done = new Set();
  const order = [];
  const visiting = new Set();
  const visit = (id) => {
    if (done.has(id) || visiting.has(id)) return;
    visiting.add(id);
    for (const input of view.nodes[id].inputs) {
      const origin = resolveOrigin(view, input);
      if (origin && isActiveLivepeer(view.nodes[origin.originId])) visit(origin.originId);
    }
    visiting.delete(id);
    done.add(id);
    order.push(id);
  };
  ids.forEach(visit);
  return order;
}
