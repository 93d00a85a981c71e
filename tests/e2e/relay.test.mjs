// Checks that the test server mounts the pack's Livepeer relay the way ComfyUI would: its
// routes answer at /livepeer/... and again under /api/, with the gateway URL and key the
// server was started with. Skipped, with the server's reason, when the relay is not
// mounted. Nothing is sent to the gateway address.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { startComfy } from "./harness.mjs";

const GATEWAY = "http://127.0.0.1:9";

let comfy;
before(async () => {
  comfy = await startComfy({ gateway: GATEWAY, apiKey: "e2e-test-key" });
});
after(async () => {
  await comfy?.stop();
});

test("the relay's config route answers with and without /api", async (t) => {
  const note = comfy.notes.find((line) => line.startsWith("relay:")) ?? "relay: no note";
  if (!note.startsWith("relay: mounted")) {
    t.skip(note);
    return;
  }
  for (const path of ["/livepeer/config", "/api/livepeer/config"]) {
    const response = await fetch(comfy.url + path);
    assert.equal(response.status, 200, path);
    const config = await response.json();
    assert.equal(config.gateway_url, GATEWAY);
    assert.equal(config.api_key_set, true);
    assert.equal(JSON.stringify(config).includes("e2e-test-key"), false);
  }
});
