// File names, loaders and masks of results.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  loaderFor, outputText, parseLoaderFile, resultFileName,
} from "../../www/extension/core/files.js";
import { bestMaskIndex, maskPixels } from "../../www/extension/core/mask.js";

test("a loader's file value is split as /view takes it", () => {
  assert.deepEqual(parseLoaderFile("cat.png"),
    { filename: "cat.png", subfolder: "", type: "input" });
  assert.deepEqual(parseLoaderFile("livepeer/job-1.png"),
    { filename: "job-1.png", subfolder: "livepeer", type: "input" });
  assert.deepEqual(parseLoaderFile("a/b/c.wav [output]"),
    { filename: "c.wav", subfolder: "a/b", type: "output" });
});

test("result files are named after their job, with the right extension", () => {
  assert.equal(resultFileName("job-12ab", "image/png", "IMAGE"), "job-12ab.png");
  assert.equal(resultFileName("job-12ab", "video/webm", "VIDEO"), "job-12ab.webm");
  assert.equal(resultFileName("job-12ab", "", "AUDIO"), "job-12ab.wav");
  assert.equal(resultFileName("job/../x", "image/jpeg", "IMAGE"), "job____x.jpg");
  assert.equal(resultFileName("m", "image/jpeg", "MASK"), "m.png");
});

test("each output type has its core loader", () => {
  assert.deepEqual(loaderFor("IMAGE", "livepeer/a.png"),
    { class_type: "LoadImage", inputs: { image: "livepeer/a.png" } });
  assert.deepEqual(loaderFor("MASK", "livepeer/a.png"),
    { class_type: "LoadImageMask", inputs: { image: "livepeer/a.png", channel: "alpha" } });
  assert.deepEqual(loaderFor("VIDEO", "livepeer/a.webm"),
    { class_type: "LoadVideo", inputs: { file: "livepeer/a.webm" } });
  assert.deepEqual(loaderFor("AUDIO", "livepeer/a.wav"),
    { class_type: "LoadAudio", inputs: { audio: "livepeer/a.wav" } });
  assert.deepEqual(loaderFor("STRING", "hello"),
    { class_type: "PrimitiveStringMultiline", inputs: { value: "hello" } });
  assert.throws(() => loaderFor("LATENT", "x"), /no loader for LATENT/);
});

test("text outputs: the text, or a live stream's URLs one per line", () => {
  assert.equal(outputText({ kind: "text", text: "a cat", chunks: [] }), "a cat");
  const live = outputText({ kind: "live_video", subscribe_url: "s", publish_url: "p",
    control_url: "c", events_url: "e", request_id: "r", manifest_id: "m" });
  assert.equal(live.split("\n")[0], "subscribe_url: s");
  assert.equal(live.split("\n").length, 6);
});

test("the best mask is the one with the highest score", () => {
  assert.equal(bestMaskIndex({ shape: [3], data: new Float32Array([0.2, 0.9, 0.5]) }, 3), 1);
  assert.equal(bestMaskIndex(undefined, 3), 0);
});

test("a mask is drawn transparent where it is set", () => {
  const binary = { shape: [2, 1, 2], data: new Uint8Array([1, 0, 0, 1]) };
  const second = maskPixels(binary, 1);
  assert.deepEqual([second.width, second.height], [2, 1]);
  assert.deepEqual([...second.rgba], [0, 0, 0, 255, 0, 0, 0, 0]);
  const logits = { shape: [1, 1, 2], data: new Float32Array([-3, 2.5]) };
  assert.deepEqual([...maskPixels(logits, 0).rgba].filter((_, i) => i % 4 === 3), [255, 0]);
  assert.throws(() => maskPixels({ shape: [1, 4, 4], data: new Uint8Array(3) }, 0),
    /does not fit/);
});
