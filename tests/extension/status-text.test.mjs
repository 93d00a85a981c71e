// What a node's badge and status line say.
import assert from "node:assert/strict";
import { test } from "node:test";
import { describeNode, formatDuration } from "../../www/extension/core/status-text.js";

const NOW = 1_700_000_000_000;
const status = (fields) => ({ jobId: "j", pipeline: "text-to-image", attempt: 1,
  elapsedMs: 1234, nodes: ["1"], createdAt: NOW - 1234, updatedAt: NOW, ...fields });

test("durations read as people say them", () => {
  assert.equal(formatDuration(850), "850 ms");
  assert.equal(formatDuration(12_345), "12.3 s");
  assert.equal(formatDuration(245_000), "4 min 05 s");
  assert.equal(formatDuration(-5), "0 ms");
});

test("a running job shows its state, elapsed time and attempt, and ticks", () => {
  const view = describeNode(status({ state: "running", attempt: 2 }), {}, NOW);
  assert.equal(view.badge, "running");
  assert.equal(view.line, "running · 1.2 s · attempt 2");
  assert.equal(view.pending, true);
  assert.equal(view.problem, false);
});

test("a wait between attempts counts down to the retry and says why", () => {
  const view = describeNode(status({ state: "submitting", attempt: 2, retryAt: NOW + 3000,
    error: { kind: "gateway", message: "the gateway answered 503" } }), {}, NOW);
  assert.equal(view.line, "retry in 3.0 s · attempt 2 · the gateway answered 503");
});

test("a failure is a problem and says what went wrong", () => {
  const view = describeNode(status({ state: "failed",
    error: { kind: "unauthorized", message: "the gateway refused the API key" } }), {}, NOW);
  assert.equal(view.badge, "failed");
  assert.equal(view.problem, true);
  assert.equal(view.pending, false);
  assert.match(view.line, /failed after 1\.2 s: the gateway refused the API key/);
});

test("finished jobs and local states", () => {
  assert.match(describeNode(status({ state: "delivered" }), {}, NOW).line, /^delivered/);
  assert.match(describeNode(status({ state: "interrupted" }), {}, NOW).line, /press Run/);
  const waiting = describeNode(undefined, { state: "waiting", message: "waiting for #3" }, NOW);
  assert.deepEqual([waiting.badge, waiting.line, waiting.pending],
    ["waiting", "waiting for #3", true]);
  const error = describeNode(undefined, { state: "error", message: "connect its image" }, NOW);
  assert.deepEqual([error.badge, error.problem], ["error", true]);
  assert.equal(describeNode(undefined, {}, NOW).badge, "idle");
  assert.equal(describeNode(undefined, { hasResult: true }, NOW).badge, "delivered");
});
