// Copies what the planner and the prompt rewrite need out of a LiteGraph graph: each
// node's id, type, mode, title and input links, and for Livepeer nodes their widget
// values and the job their properties remember. The copy is plain data (see
// core/graph.js), so it can be kept with a run and used after the graph changed.
import { nodeDef } from "../core/node-defs.js";

/** The property of a Livepeer node that remembers its job: `{jobId, fingerprint, result}`. */
export const JOB_PROPERTY = "livepeer";

/**
 * The view of a graph's nodes (not the nodes inside its subgraphs).
 * @param {any} graph a LiteGraph LGraph
 * @returns {{nodes: Record<string, any>}}
 */
export function graphView(graph) {
  const nodes = {};
  for (const node of graph.nodes ?? graph._nodes ?? []) {
    const id = String(node.id);
    nodes[id] = {
      id,
      type: node.type,
      mode: node.mode ?? 0,
      title: node.title,
      inputs: (node.inputs ?? []).map((input, slot) => ({
        name: input.name,
        type: input.type,
        link: origin(node, slot),
      })),
    };
    const def = nodeDef(node.type);
    if (def) {
      nodes[id].widgets = widgetValues(node, def);
      const job = node.properties?.[JOB_PROPERTY];
      if (job?.jobId) nodes[id].job = JSON.parse(JSON.stringify(job));
    }
  }
  return { nodes };
}

/**
 * A Livepeer node's widget values by name, for the widgets its definition lists.
 * @param {any} node
 * @param {{widgets: {name: string}[]}} def
 */
export function widgetValues(node, def) {
  const values = {};
  for (const { name } of def.widgets) {
    const widget = node.widgets?.find((candidate) => candidate.name === name);
    if (widget) values[name] = widget.value;
  }
  return values;
}

function origin(node, slot) {
  const link = node.getInputLink(slot);
  if (!link) return null;
  return { originId: String(link.origin_id), originSlot: Number(link.origin_slot) };
}
