// Fingerprints change with what a node would send, and only then.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  hashText, isLink, nodeFingerprint, stableStringify, upstreamText,
} from "../../www/extension/core/fingerprint.js";

test("stable JSON sorts keys at every depth and drops undefined members", () => {
  assert.equal(stableStringify({ b: 1, a: { d: [2, { y: 1, x: 0 }], c: undefined } }),
    '{"a":{"d":[2,{"x":0,"y":1}]},"b":1}');
  assert.equal(stableStringify([undefined]), "[null]");
});

test("the hash is fixed for a text and differs between texts", () => {
  assert.equal(hashText("a red fox"), hashText("a red fox"));
  assert.notEqual(hashText("a red fox"), hashText("a red fix"));
  assert.match(hashText(""), /^[0-9a-f]{14}$/);
});

test("a fingerprint ignores key order but not values or sources", () => {
  const base = nodeFingerprint("text-to-image", { prompt: "fox", seed: 1 }, {});
  assert.equal(nodeFingerprint("text-to-image", { seed: 1, prompt: "fox" }, {}), base);
  assert.notEqual(nodeFingerprint("text-to-image", { prompt: "fox", seed: 2 }, {}), base);
  assert.notEqual(nodeFingerprint("image-to-image", { prompt: "fox", seed: 1 }, {}), base);
  const withFile = nodeFingerprint("upscale", {}, { image: { file: "a.png" } });
  assert.notEqual(nodeFingerprint("upscale", {}, { image: { file: "b.png" } }), withFile);
});

test("upstream text covers a node and what feeds it, not its siblings", () => {
  const output = {
    1: { class_type: "LoadImage", inputs: { image: "a.png" } },
    2: { class_type: "ImageScale", inputs: { image: ["1", 0], width: 64 } },
    3: { class_type: "LoadImage", inputs: { image: "other.png" } },
  };
  const text = upstreamText(output, "2");
  assert.match(text, /a\.png/);
  assert.doesNotMatch(text, /other\.png/);
  output[1].inputs.image = "b.png";
  assert.notEqual(upstreamText(output, "2"), text);
});

test("links are [id, integer slot] pairs", () => {
  assert.equal(isLink(["3", 0]), true);
  assert.equal(isLink([3, 1]), true);
  assert.equal(isLink(["3", 0.5]), false);
  assert.equal(isLink([1, 2, 3]), false);
  assert.equal(isLink("3"), false);
});
