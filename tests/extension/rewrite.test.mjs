// The planner and the prompt rewrite: given ComfyUI's prompt, the graph's links and the
// Livepeer nodes' jobs, which jobs start and which prompt is sent.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { planRun } from "../../www/extension/core/plan.js";
import { captureId, hasOutputNode, rewritePrompt } from "../../www/extension/core/rewrite.js";
import { promptNode, states, view, viewNode } from "./graphs.mjs";

const T2I = "Livepeer/TextToImage";
const I2I = "Livepeer/ImageToImage";
const LOADER = { class_type: "LoadImage", inputs: { image: "livepeer/j1.png" } };
const OUTPUTS = new Set(["PreviewImage", "SaveImage", "PreviewAudio"]);

/** Text-to-image (1) → PreviewImage (2), and LoadImage (3) → PreviewImage (4). */
function textToImageGraph(job) {
  return view(
    viewNode(1, T2I, [], { widgets: { prompt: "a red fox", seed: 0 }, job }),
    viewNode(2, "PreviewImage", [["images", "IMAGE", [1, 0]]]),
    viewNode(3, "LoadImage"),
    viewNode(4, "PreviewImage", [["images", "IMAGE", [3, 0]]]),
  );
}

/** What ComfyUI's graphToPrompt gives for textToImageGraph: the link from 1 is dropped. */
function textToImagePrompt() {
  return {
    2: promptNode("PreviewImage"),
    3: promptNode("LoadImage", { image: "cat.png" }),
    4: promptNode("PreviewImage", { images: ["3", 0] }),
  };
}

function run(graph, output, jobStates = {}, options = {}) {
  return planRun(graph, output, { mode: "run", jobState: states(jobStates), ...options });
}

function fingerprintOf(graph, output, id) {
  return run(graph, output).get(String(id)).fingerprint;
}

describe("a text-to-image node wired to a preview", () => {
  test("without a job: a job starts and its branch waits; the rest runs now", () => {
    const graph = textToImageGraph();
    const output = textToImagePrompt();
    const decisions = run(graph, output);
    assert.equal(decisions.get("1").action, "submit");

    const result = rewritePrompt(output, graph, decisions, new Map());
    assert.deepEqual(Object.keys(result.output).sort(), ["3", "4"]);
    assert.deepEqual(result.removed, ["2"]);
    assert.deepEqual(result.captures, []);
    assert.ok(output[2], "the prompt given is not changed");
  });

  test("with a result: a LoadImage at the node's own id, the preview wired to it", () => {
    const output = textToImagePrompt();
    const fingerprint = fingerprintOf(textToImageGraph(), output, 1);
    const graph = textToImageGraph({ jobId: "j1", fingerprint });
    const decisions = run(graph, output, { j1: "completed" });
    assert.equal(decisions.get("1").action, "ready");
    assert.equal(decisions.get("1").jobId, "j1");

    const result = rewritePrompt(output, graph, decisions, new Map([["1", LOADER]]));
    assert.deepEqual(result.output[1], { ...LOADER, _meta: { title: T2I } });
    assert.deepEqual(result.output[2].inputs, { images: ["1", 0] });
    assert.deepEqual(result.removed, []);
  });

  test("with a running job: nothing new starts, the branch waits", () => {
    const output = textToImagePrompt();
    const fingerprint = fingerprintOf(textToImageGraph(), output, 1);
    const graph = textToImageGraph({ jobId: "j1", fingerprint });
    const decisions = run(graph, output, { j1: "running" });
    assert.equal(decisions.get("1").action, "pending");
    const result = rewritePrompt(output, graph, decisions, new Map());
    assert.equal(result.output[2], undefined);
  });

  test("a changed widget starts a new job on a manual run", () => {
    const output = textToImagePrompt();
    const graph = textToImageGraph({ jobId: "j1", fingerprint: "old" });
    assert.equal(run(graph, output, { j1: "delivered" }).get("1").action, "submit");
  });

  test("a failed job is tried again by a manual run; an interrupted one resent", () => {
    const output = textToImagePrompt();
    const fingerprint = fingerprintOf(textToImageGraph(), output, 1);
    const graph = textToImageGraph({ jobId: "j1", fingerprint });
    assert.equal(run(graph, output, { j1: "failed" }).get("1").action, "submit");
    const interrupted = run(graph, output, { j1: "interrupted" }).get("1");
    assert.deepEqual([interrupted.action, interrupted.jobId], ["resubmit", "j1"]);
  });

  test("a remembered result stands in for a job the service no longer holds", () => {
    const output = textToImagePrompt();
    const fingerprint = fingerprintOf(textToImageGraph(), output, 1);
    const graph = textToImageGraph({ jobId: "gone", fingerprint, result: LOADER });
    const decision = run(graph, output).get("1");
    assert.deepEqual([decision.action, decision.result], ["ready", LOADER]);
  });
});

describe("an automatic requeue", () => {
  test("uses the run's jobs even when the widgets changed since", () => {
    const output = textToImagePrompt();
    const graph = textToImageGraph({ jobId: "j1", fingerprint: "before-randomize" });
    const decisions = planRun(graph, output, {
      mode: "requeue", jobs: { 1: "j1" }, jobState: states({ j1: "completed" }),
    });
    assert.equal(decisions.get("1").action, "ready");
  });

  test("never starts a job the manual run did not ask for", () => {
    const output = textToImagePrompt();
    const graph = textToImageGraph();
    const plain = planRun(graph, output, { mode: "requeue", jobs: {}, jobState: states({}) });
    assert.equal(plain.get("1").action, "blocked");
    const failed = planRun(graph, output, {
      mode: "requeue", jobs: { 1: "j1" }, jobState: states({ j1: "failed" }),
    });
    assert.equal(failed.get("1").action, "blocked");
    const wanted = planRun(graph, output, {
      mode: "requeue", jobs: {}, wanted: new Set(["1"]), jobState: states({}),
    });
    assert.equal(wanted.get("1").action, "submit");
  });
});

describe("links and branches", () => {
  /** LoadImage (3) → image-to-image (7) → PreviewImage (8); 7 → ImageScale (5) → (6). */
  function imageToImageGraph(job) {
    return view(
      viewNode(3, "LoadImage"),
      viewNode(7, I2I, [["image", "IMAGE", [3, 0]]], { widgets: { prompt: "x" }, job }),
      viewNode(8, "PreviewImage", [["images", "IMAGE", [7, 0]]]),
      viewNode(5, "ImageScale", [["image", "IMAGE", [7, 0]]]),
      viewNode(6, "SaveImage", [["images", "IMAGE", [5, 0]]]),
    );
  }
  /** ComfyUI passes the virtual node's input through: 8 and 5 read the LoadImage. */
  const passThrough = () => ({
    3: promptNode("LoadImage", { image: "cat.png" }),
    8: promptNode("PreviewImage", { images: ["3", 0] }),
    5: promptNode("ImageScale", { image: ["3", 0], width: 64 }),
    6: promptNode("SaveImage", { images: ["5", 0] }),
  });

  test("a loader input is read as its file, and the whole waiting branch is pruned", () => {
    const graph = imageToImageGraph();
    const decisions = run(graph, passThrough());
    const decision = decisions.get("7");
    assert.equal(decision.action, "submit");
    assert.deepEqual(decision.sources.image,
      { kind: "file", nodeId: "3", slot: 0, type: "IMAGE", loader: "LoadImage", file: "cat.png" });
    const result = rewritePrompt(passThrough(), graph, decisions, new Map());
    assert.deepEqual(Object.keys(result.output), ["3"]);
    assert.deepEqual(result.removed.sort(), ["5", "6", "8"]);
  });

  test("passed-through links are wired to the loader of the result", () => {
    const fingerprint = fingerprintOf(imageToImageGraph(), passThrough(), 7);
    const graph = imageToImageGraph({ jobId: "j7", fingerprint });
    const decisions = run(graph, passThrough(), { j7: "delivered" });
    const result = rewritePrompt(passThrough(), graph, decisions, new Map([["7", LOADER]]));
    assert.deepEqual(result.output[8].inputs.images, ["7", 0]);
    assert.deepEqual(result.output[5].inputs, { image: ["7", 0], width: 64 });
    assert.deepEqual(result.output[6].inputs.images, ["5", 0]);
  });

  test("a different input file changes the fingerprint", () => {
    const other = passThrough();
    other[3].inputs.image = "dog.png";
    assert.notEqual(fingerprintOf(imageToImageGraph(), other, 7),
      fingerprintOf(imageToImageGraph(), passThrough(), 7));
  });

  test("links through a bypassed node and a Reroute reach the Livepeer node", () => {
    const graph = view(
      viewNode(1, T2I, [], { widgets: {} }),
      viewNode(2, "ImageScale", [["image", "IMAGE", [1, 0]]], { mode: 4 }),
      viewNode(3, "Reroute", [["", "*", [2, 0]]]),
      viewNode(4, "PreviewImage", [["images", "IMAGE", [3, 0]]]),
    );
    const output = { 4: promptNode("PreviewImage") };
    const fingerprint = fingerprintOf(graph, output, 1);
    graph.nodes[1].job = { jobId: "j1", fingerprint };
    const ready = run(graph, output, { j1: "completed" });
    const wired = rewritePrompt(output, graph, ready, new Map([["1", LOADER]]));
    assert.deepEqual(wired.output[4].inputs.images, ["1", 0]);
    const pending = run(graph, output, { j1: "running" });
    assert.deepEqual(rewritePrompt(output, graph, pending, new Map()).output, {});
  });

  test("an unconnected media input is reported, not sent", () => {
    const graph = view(viewNode(9, "Livepeer/Upscale", [["image", "IMAGE", null]],
      { widgets: { prompt: "x" } }));
    const decision = run(graph, {}).get("9");
    assert.deepEqual([decision.action, decision.missing], ["missing", "image"]);
  });

  test("a muted Livepeer node is left as ComfyUI handles it", () => {
    const graph = view(
      viewNode(1, T2I, [], { widgets: {}, mode: 2 }),
      viewNode(2, "PreviewImage", [["images", "IMAGE", [1, 0]]]),
    );
    const output = { 2: promptNode("PreviewImage") };
    const decisions = run(graph, output);
    assert.equal(decisions.size, 0);
    assert.deepEqual(rewritePrompt(output, graph, decisions, new Map()).output, output);
  });
});

describe("inputs from other Livepeer nodes and from other nodes", () => {
  /** Text-to-image (1) → image-to-image (2) → PreviewImage (3). */
  function chain(job1) {
    return view(
      viewNode(1, T2I, [], { widgets: { prompt: "fox" }, job: job1 }),
      viewNode(2, I2I, [["image", "IMAGE", [1, 0]]], { widgets: { prompt: "paint" } }),
      viewNode(3, "PreviewImage", [["images", "IMAGE", [2, 0]]]),
    );
  }

  test("a node waits for the job upstream, then starts from its result", () => {
    const output = { 3: promptNode("PreviewImage") };
    const first = run(chain(), output);
    assert.deepEqual([first.get("1").action, first.get("2").action], ["submit", "wait"]);

    const fingerprint = first.get("1").fingerprint;
    const later = run(chain({ jobId: "j1", fingerprint }), output, { j1: "completed" });
    assert.equal(later.get("2").action, "submit");
    assert.equal(later.get("2").sources.image.kind, "livepeer");
  });

  test("the downstream fingerprint follows the upstream node's", () => {
    const output = { 3: promptNode("PreviewImage") };
    const before = run(chain(), output).get("2").fingerprint;
    const graph = chain();
    graph.nodes[1].widgets.prompt = "wolf";
    assert.notEqual(run(graph, output).get("2").fingerprint, before);
  });

  test("a failed upstream job blocks the node in a requeue", () => {
    const graph = chain({ jobId: "j1", fingerprint: "f" });
    const decisions = planRun(graph, { 3: promptNode("PreviewImage") }, {
      mode: "requeue", jobs: { 1: "j1" }, wanted: new Set(["2"]),
      jobState: states({ j1: "failed" }),
    });
    assert.deepEqual([decisions.get("1").action, decisions.get("2").action],
      ["blocked", "blocked"]);
  });

  test("an input from another node is captured by a preview in a first pass", () => {
    const graph = view(
      viewNode(3, "LoadImage"),
      viewNode(9, "ImageScale", [["image", "IMAGE", [3, 0]]]),
      viewNode(10, "Livepeer/Upscale", [["image", "IMAGE", [9, 0]]], { widgets: {} }),
      viewNode(11, "PreviewImage", [["images", "IMAGE", [10, 0]]]),
    );
    const output = {
      3: promptNode("LoadImage", { image: "cat.png" }),
      9: promptNode("ImageScale", { image: ["3", 0] }),
      11: promptNode("PreviewImage", { images: ["9", 0] }),
    };
    const decisions = run(graph, output);
    assert.equal(decisions.get("10").action, "wait");
    assert.equal(decisions.get("10").sources.image.kind, "capture");

    const result = rewritePrompt(output, graph, decisions, new Map());
    const id = captureId("10", "image");
    assert.deepEqual(result.captures, [{ id, nodeId: "10", input: "image", type: "IMAGE" }]);
    assert.deepEqual(result.output[id].class_type, "PreviewImage");
    assert.deepEqual(result.output[id].inputs, { images: ["9", 0] });
    assert.equal(result.output[11], undefined);
    assert.ok(hasOutputNode(result.output, (type) => OUTPUTS.has(type)));
  });
});

test("a prompt whose outputs all wait has no output node", () => {
  const graph = textToImageGraph();
  const output = { 2: promptNode("PreviewImage") };
  const result = rewritePrompt(output, graph, run(graph, output), new Map());
  assert.equal(hasOutputNode(result.output, (type) => OUTPUTS.has(type)), false);
});
