// The table of Livepeer node types and how widget values become parameters.
import assert from "node:assert/strict";
import { test } from "node:test";
import { CATEGORY, NODE_DEFS, buildParams, nodeDef } from "../../www/extension/core/node-defs.js";

const PIPELINES = ["text-to-image", "image-to-image", "image-to-video", "upscale",
  "audio-to-text", "segment-anything-2", "llm", "image-to-text", "live-video-to-video",
  "text-to-speech"];

test("one node type per pipeline, all in the Livepeer category", () => {
  assert.deepEqual(NODE_DEFS.map((def) => def.pipeline).sort(), [...PIPELINES].sort());
  assert.equal(new Set(NODE_DEFS.map((def) => def.type)).size, 10);
  assert.equal(CATEGORY, "Livepeer");
  for (const def of NODE_DEFS) {
    assert.match(def.type, /^Livepeer\/[A-Za-z0-9]+$/);
    assert.equal(nodeDef(def.type), def);
    assert.ok(def.outputNote, `${def.type} says which result its output carries`);
  }
  assert.equal(nodeDef("LoadImage"), undefined);
});

test("inputs and outputs have the types the pipelines take and give", () => {
  const shape = Object.fromEntries(NODE_DEFS.map((def) => [def.pipeline,
    `${def.inputs.map((input) => `${input.name}:${input.type}`).join(",")}->${def.output.type}`]));
  assert.deepEqual(shape, {
    "text-to-image": "->IMAGE",
    "image-to-image": "image:IMAGE->IMAGE",
    "upscale": "image:IMAGE->IMAGE",
    "image-to-video": "image:IMAGE->VIDEO",
    "audio-to-text": "audio:AUDIO->STRING",
    "segment-anything-2": "image:IMAGE->MASK",
    "llm": "->STRING",
    "image-to-text": "image:IMAGE->STRING",
    "live-video-to-video": "->STRING",
    "text-to-speech": "->AUDIO",
  });
});

test("widgets carry the gateway's names and defaults", () => {
  const defaults = (type) => Object.fromEntries(nodeDef(type).widgets
    .map((widget) => [widget.name, widget.default]));
  assert.deepEqual(defaults("Livepeer/TextToImage"), {
    prompt: "", negative_prompt: "", model_id: "", loras: "", width: 1024, height: 576,
    guidance_scale: 7.5, num_inference_steps: 50, num_images_per_prompt: 1,
    safety_check: true, seed: 0,
  });
  assert.equal(defaults("Livepeer/ImageToImage").strength, 0.8);
  assert.equal(defaults("Livepeer/ImageToImage").num_inference_steps, 100);
  assert.equal(defaults("Livepeer/ImageToVideo").fps, 6);
  assert.equal(defaults("Livepeer/ImageToVideo").motion_bucket_id, 127);
  assert.equal(defaults("Livepeer/Upscale").num_inference_steps, 75);
  assert.equal(defaults("Livepeer/LLM").max_tokens, 256);
  assert.equal(defaults("Livepeer/LLM").top_k, -1);
  const timestamps = nodeDef("Livepeer/AudioToText").widgets[1];
  assert.deepEqual([timestamps.type, timestamps.default, timestamps.choices],
    ["COMBO", "true", ["true", "false", "sentence", "word"]]);
});

test("every seed widget asks for ComfyUI's control after generate", () => {
  for (const def of NODE_DEFS) {
    for (const widget of def.widgets.filter((candidate) => candidate.name === "seed")) {
      assert.equal(widget.seed, true, def.type);
      assert.equal(widget.type, "INT");
      assert.ok(widget.max <= 0xffffffff);
    }
  }
});

test("parameters leave out empty optional text and take the input files", () => {
  const def = nodeDef("Livepeer/ImageToImage");
  const values = Object.fromEntries(def.widgets.map((widget) => [widget.name, widget.default]));
  const image = { size: 3 };
  const params = buildParams(def, { ...values, prompt: "a cat", seed: 7 }, { image });
  assert.equal(params.prompt, "a cat");
  assert.equal(params.image, image);
  assert.equal(params.seed, 7);
  assert.equal("negative_prompt" in params, false);
  assert.equal("loras" in params, false);
  assert.equal(buildParams(def, { prompt: "" }).prompt, "", "a required text is kept");
});

test("llm parameters are a conversation", () => {
  const def = nodeDef("Livepeer/LLM");
  assert.deepEqual(buildParams(def, { prompt: "hi", system_prompt: "be brief",
    temperature: 0.5, max_tokens: 9, top_p: 1, top_k: -1, model: "" }), {
    messages: [{ role: "system", content: "be brief" }, { role: "user", content: "hi" }],
    temperature: 0.5, max_tokens: 9, top_p: 1, top_k: -1,
  });
  assert.deepEqual(buildParams(def, { prompt: "hi", system_prompt: "" }).messages,
    [{ role: "user", content: "hi" }]);
});

test("live-video-to-video parameters parse their JSON and name a bad one", () => {
  const def = nodeDef("Livepeer/LiveVideoToVideo");
  assert.deepEqual(buildParams(def, { subscribe_url: "rtmp://in", publish_url: "rtmp://out",
    control_url: "", params: '{"prompt": "x"}' }),
  { subscribe_url: "rtmp://in", publish_url: "rtmp://out", params: { prompt: "x" } });
  assert.throws(() => buildParams(def, { params: "{nope" }), /params: not valid JSON/);
  assert.throws(() => buildParams(def, { params: "[1]" }), /params: must be a JSON object/);
});
