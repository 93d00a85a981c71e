// The graph view copies links, Livepeer widget values and remembered jobs out of a graph.
import assert from "node:assert/strict";
import { test } from "node:test";
import { JOB_PROPERTY, graphView } from "../../www/extension/comfy/graph-view.js";

function fakeNode(id, type, { inputs = [], links = [], widgets = [], properties = {} } = {}) {
  return {
    id, type, mode: 0, title: type, properties,
    inputs: inputs.map(([name, inputType]) => ({ name, type: inputType })),
    widgets: widgets.map(([name, value]) => ({ name, value })),
    getInputLink: (slot) => (links[slot]
      ? { origin_id: links[slot][0], origin_slot: links[slot][1] } : null),
  };
}

test("links, Livepeer widget values and jobs are copied as plain data", () => {
  const job = { jobId: "j1", fingerprint: "f", result: { class_type: "LoadImage" } };
  const graph = { nodes: [
    fakeNode(3, "LoadImage", { widgets: [["image", "cat.png"]] }),
    fakeNode(7, "Livepeer/ImageToImage", {
      inputs: [["image", "IMAGE"]], links: [[3, 0]],
      widgets: [["prompt", "x"], ["seed", 5], ["control_after_generate", "fixed"]],
      properties: { [JOB_PROPERTY]: job },
    }),
  ] };
  const { nodes } = graphView(graph);
  assert.deepEqual(nodes[7].inputs,
    [{ name: "image", type: "IMAGE", link: { originId: "3", originSlot: 0 } }]);
  assert.deepEqual(nodes[7].widgets, { prompt: "x", seed: 5 });
  assert.deepEqual(nodes[7].job, job);
  assert.notEqual(nodes[7].job, job, "a copy, not the node's own object");
  assert.equal(nodes[3].widgets, undefined);
  assert.equal(nodes[3].job, undefined);
});
