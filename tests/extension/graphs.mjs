// Small graph views and prompts for the planner and rewrite tests, built the way the
// extension's graph-view.js and ComfyUI's graphToPrompt make them.

/** A view node. `links` maps an input name to `[originId, originSlot]`. */
export function viewNode(id, type, inputs = [], extra = {}) {
  return {
    id: String(id),
    type,
    mode: 0,
    title: type,
    inputs: inputs.map(([name, inputType, link]) => ({
      name,
      type: inputType,
      link: link ? { originId: String(link[0]), originSlot: link[1] } : null,
    })),
    ...extra,
  };
}

/** A view from view nodes. */
export function view(...nodes) {
  return { nodes: Object.fromEntries(nodes.map((node) => [node.id, node])) };
}

/** A prompt node. */
export function promptNode(classType, inputs = {}) {
  return { class_type: classType, inputs, _meta: { title: classType } };
}

/** Job states for `jobState`, with undefined for unknown jobs. */
export function states(map) {
  return (jobId) => map[jobId];
}
