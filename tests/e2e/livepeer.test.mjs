// The Livepeer extension in the real ComfyUI frontend, in each pinned version, with the
// relay on the test server and the local gateway behind it: the nodes and settings load,
// jobs run from the graph, their results reach the server's prompt through core loaders,
// failures show on the node, deleting a node cancels its job, a workflow switch does
// not, a reload keeps a job, and the API key never lands in anything the page saves or
// sends. The page must raise no error and reach no other host.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { buildGateway, startGateway } from "../../scripts/lib.mjs";
import {
  FRONTEND_VERSIONS, gradientPng, openBrowser, openComfy, queuePrompt, screenshot,
  startComfy,
} from "./harness.mjs";
import {
  buildGraph, control, nodeState, promptNodes, runStats, useScope, waitForBadge,
} from "./fixtures/livepeer-page.mjs";

const API_KEY = "e2e-fake-key-42";
const LIVEPEER_TYPES = ["Livepeer/TextToImage", "Livepeer/ImageToImage",
  "Livepeer/ImageToVideo", "Livepeer/Upscale", "Livepeer/AudioToText",
  "Livepeer/SegmentAnything2", "Livepeer/LLM", "Livepeer/ImageToText",
  "Livepeer/LiveVideoToVideo", "Livepeer/TextToSpeech"];
const QUIET_MS = 1500;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(check, what, timeout = 20_000) {
  const end = Date.now() + timeout;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

const textToImage = (prompt) => ({ type: "Livepeer/TextToImage",
  widgets: { prompt, seed: 7, control_after_generate: "fixed", width: 64, height: 48 } });
/** The console error Chromium logs for the 401 that the failure test asks for. */
const EXPECTED_401 = new RegExp("^Failed to load resource: the server responded with a "
  + "status of 401 \\(Unauthorized\\) \\(http://127\\.0\\.0\\.1:\\d+"
  + "/api/livepeer/gateway/text-to-image\\)$");

let gatewayBinary;
before(async () => {
  gatewayBinary = await buildGateway();
});

for (const version of FRONTEND_VERSIONS) {
  describe(`Livepeer nodes on ComfyUI frontend ${version}`, () => {
    let gateway;
    let comfy;
    let browser;
    let page;
    const relayBodies = [];

    before(async () => {
      gateway = await startGateway(gatewayBinary);
      comfy = await startComfy({ version, gateway: gateway.url });
      await comfy.upload({ name: "gradient.png", bytes: gradientPng(64, 48),
        mime: "image/png" });
      browser = await openBrowser();
      page = browser.page;
      page.on("request", (request) => {
        if (request.url().includes("/livepeer/")) {
          relayBodies.push(request.postDataBuffer() ?? Buffer.alloc(0));
        }
      });
      await openComfy(page, comfy);
    });

    after(async () => {
      await browser?.close();
      await comfy?.stop();
      gateway?.stop();
    });

    test("registers the ten nodes and the settings; the key field is masked", async () => {
      const loaded = await page.evaluate(() => ({
        types: Object.entries(window.LiteGraph.registered_node_types)
          .filter(([type]) => type.startsWith("Livepeer/"))
          .map(([type, ctor]) => ({ type, category: ctor.category,
            virtual: Boolean(ctor.prototype.isVirtualNode) })),
        settings: Object.keys(window.app.extensionManager.setting.settings)
          .filter((id) => id.startsWith("Livepeer.")).sort(),
      }));
      assert.deepEqual(loaded.types.map((entry) => entry.type).sort(),
        [...LIVEPEER_TYPES].sort());
      for (const entry of loaded.types) {
        assert.equal(entry.category, "Livepeer", entry.type);
        assert.equal(entry.virtual, true, entry.type);
      }
      assert.deepEqual(loaded.settings, ["Livepeer.Debug.Logging", "Livepeer.Gateway.APIKey",
        "Livepeer.Gateway.URL", "Livepeer.Requests.AttemptTimeout",
        "Livepeer.Requests.MaxRetries", "Livepeer.Run.AutoRequeue"]);

      await page.evaluate(() => window.app.extensionManager.command
        .execute("Comfy.ShowSettingsDialog"));
      await page.getByText("Livepeer", { exact: true }).first().click();
      const field = page.locator("#livepeer-api-key-input");
      await field.waitFor();
      assert.equal(await field.getAttribute("type"), "password");
      assert.equal(await field.getAttribute("autocomplete"), "off");
      await field.fill(API_KEY);
      await page.getByRole("button", { name: "Save", exact: true }).click();
      await page.getByText("A key is stored on the ComfyUI server", { exact: false })
        .first().waitFor();
      assert.equal(await field.inputValue(), "", "the field is emptied once sent");
      const config = await (await fetch(`${comfy.url}/livepeer/config`)).json();
      assert.deepEqual([config.api_key_set, config.api_key_source], [true, "file"]);
      await page.keyboard.press("Escape");
    });

    test("text-to-image → PreviewImage: runs, delivers, requeues once", async () => {
      await control(gateway.url, "t2i", "config", { latency_ms: 2000 });
      await useScope(comfy, gateway.url, "t2i");
      await comfy.reset();
      const [livepeer, preview] = await buildGraph(page, {
        nodes: [textToImage("a red fox"), { type: "PreviewImage", pos: [520, 120] }],
        links: [[0, 0, 1, 0]],
      });

      // Nothing can run until the job ends, so no prompt goes out; the frontend takes the
      // answer as it takes an accepted prompt (1.27.10 gives false for every answer).
      assert.equal(await queuePrompt(page), version !== "1.27.10");
      await waitForBadge(page, livepeer, ["submitting", "running"]);
      await page.waitForTimeout(600);
      await screenshot(page, `e2e-node-running-${version}`);
      assert.deepEqual(await comfy.prompts(), [], "nothing runs while the job runs");

      await waitForBadge(page, livepeer, ["delivered"]);
      const prompts = await until(async () => {
        const received = await comfy.prompts();
        return received.length > 0 && received;
      }, "the requeued prompt");
      await page.waitForTimeout(QUIET_MS);
      await screenshot(page, `e2e-node-delivered-${version}`);

      assert.equal((await comfy.prompts()).length, 1, "exactly one prompt");
      assert.deepEqual(await runStats(page), { sent: 1, skipped: 1, requeues: 1 });
      const state = await nodeState(page, livepeer);
      const file = `livepeer/${state.jobId}.png`;
      assert.deepEqual(promptNodes(prompts[0]), {
        [livepeer]: { class_type: "LoadImage", inputs: { image: file } },
        [preview]: { class_type: "PreviewImage", inputs: { images: [String(livepeer), 0] } },
      });
      assert.deepEqual(state.properties.livepeer.result,
        { class_type: "LoadImage", inputs: { image: file } });
      const view = await fetch(`${comfy.url}/api/view?filename=${state.jobId}.png`
        + "&subfolder=livepeer&type=input");
      assert.equal(view.status, 200);
      assert.equal(view.headers.get("content-type"), "image/png");

      const rewrite = await page.evaluate(async () => ({
        before: (await window.app.graphToPrompt.original.call(window.app)).output,
        after: (await window.app.graphToPrompt()).output,
      }));
      console.log(`[${version}] prompt before the rewrite:\n`
        + `${JSON.stringify(rewrite.before, null, 2)}\n[${version}] after the rewrite:\n`
        + JSON.stringify(rewrite.after, null, 2));
      assert.deepEqual(rewrite.before[preview].inputs, {});
      assert.deepEqual(rewrite.after[preview].inputs.images, [String(livepeer), 0]);
    });

    test("image-to-image reads its image from a LoadImage", async () => {
      await control(gateway.url, "i2i", "reset", {});
      await useScope(comfy, gateway.url, "i2i");
      await comfy.reset();
      const [loader, livepeer, preview] = await buildGraph(page, {
        nodes: [{ type: "LoadImage", widgets: { image: "gradient.png" } },
          { type: "Livepeer/ImageToImage", widgets: { prompt: "as a painting", seed: 3 } },
          { type: "PreviewImage" }],
        links: [[0, 0, 1, 0], [1, 0, 2, 0]],
      });
      await queuePrompt(page);
      await waitForBadge(page, livepeer, ["delivered"]);
      const [body] = await until(async () => {
        const received = await comfy.prompts();
        return received.length > 0 && received;
      }, "the requeued prompt");
      const { jobId } = await nodeState(page, livepeer);
      const nodes = promptNodes(body);
      assert.deepEqual(nodes[livepeer],
        { class_type: "LoadImage", inputs: { image: `livepeer/${jobId}.png` } });
      assert.deepEqual(nodes[preview].inputs.images, [String(livepeer), 0]);
      assert.equal(nodes[loader].inputs.image, "gradient.png");
      const log = await control(gateway.url, "i2i", "log");
      assert.deepEqual(log.requests.map((entry) => [entry.path, entry.status]),
        [["/image-to-image", 200]]);
    });

    test("a refused job shows its error on the node and is not requeued", async () => {
      await control(gateway.url, "unauth", "config", { api_key: "a-different-key" });
      await useScope(comfy, gateway.url, "unauth");
      await comfy.reset();
      const statsBefore = await runStats(page);
      const [livepeer] = await buildGraph(page, {
        nodes: [textToImage("a blue fox"), { type: "PreviewImage", pos: [520, 120] }],
        links: [[0, 0, 1, 0]],
      });
      await queuePrompt(page);
      await waitForBadge(page, livepeer, ["failed"]);
      const state = await nodeState(page, livepeer);
      assert.equal(state.error.kind, "unauthorized");
      await page.getByText("Livepeer text-to-image failed").first().waitFor();
      await page.waitForTimeout(QUIET_MS);
      assert.deepEqual(await comfy.prompts(), []);
      const statsAfter = await runStats(page);
      assert.equal(statsAfter.requeues, statsBefore.requeues, "no requeue after a failure");
      const log = await control(gateway.url, "unauth", "log");
      assert.deepEqual(log.requests.map((entry) => [entry.status, entry.authorization]),
        [[401, true]], "sent once, with the relay's key, never retried");
    });

    test("deleting a node cancels its job; switching workflows does not", async () => {
      await control(gateway.url, "cancel", "config", { latency_ms: 3000 });
      await useScope(comfy, gateway.url, "cancel");
      await comfy.reset();
      let [livepeer] = await buildGraph(page, {
        nodes: [textToImage("a fox to delete"), { type: "PreviewImage", pos: [520, 120] }],
        links: [[0, 0, 1, 0]],
      });
      await queuePrompt(page);
      await waitForBadge(page, livepeer, ["submitting"]);
      const { jobId } = await nodeState(page, livepeer);
      await page.evaluate((id) => {
        const graph = window.app.rootGraph ?? window.app.graph;
        graph.remove(graph.getNodeById(id));
      }, livepeer);
      await until(() => page.evaluate((job) => window.comfyLivepeer.pool.status(job)?.state
        === "cancelled", jobId), "the cancel");
      await page.waitForTimeout(3500);
      const log = await control(gateway.url, "cancel", "log");
      assert.equal(log.requests.length, 1, "no request after the cancel");
      assert.deepEqual(await comfy.prompts(), []);

      await control(gateway.url, "cancel", "reset", {});
      await control(gateway.url, "cancel", "config", { latency_ms: 2500 });
      [livepeer] = await buildGraph(page, {
        nodes: [textToImage("a fox that stays"), { type: "PreviewImage", pos: [520, 120] }],
        links: [[0, 0, 1, 0]],
      });
      await queuePrompt(page);
      await waitForBadge(page, livepeer, ["submitting"]);
      const kept = await nodeState(page, livepeer);
      const saved = await page.evaluate(() => (window.app.rootGraph ?? window.app.graph)
        .serialize());
      await page.evaluate(() => window.app.loadGraphData({ last_node_id: 0, last_link_id: 0,
        nodes: [], links: [], groups: [], config: {}, extra: {}, version: 0.4 }));
      await page.waitForTimeout(300);
      assert.equal(await page.evaluate((job) => window.comfyLivepeer.pool.status(job)?.state,
        kept.jobId), "submitting", "a workflow switch does not cancel");
      await page.evaluate((data) => window.app.loadGraphData(data), saved);
      const back = await nodeState(page, livepeer);
      assert.equal(back.jobId, kept.jobId);
      await waitForBadge(page, livepeer, ["delivered"]);
      const prompts = await until(async () => {
        const received = await comfy.prompts();
        return received.length > 0 && received;
      }, "the requeued prompt");
      assert.equal(promptNodes(prompts[0])[livepeer].class_type, "LoadImage");
    });

    test("a page reload mid-job keeps the job and delivers its result", async () => {
      await control(gateway.url, "reload", "config", { async_duration_ms: 6000 });
      await useScope(comfy, gateway.url, "reload");
      await comfy.reset();
      const [, livepeer, save] = await buildGraph(page, {
        nodes: [{ type: "LoadImage", widgets: { image: "gradient.png" } },
          { type: "Livepeer/ImageToVideo", widgets: { width: 64, height: 48, seed: 1 } },
          { type: "SaveVideo" }],
        links: [[0, 0, 1, 0], [1, 0, 2, 0]],
      });
      await queuePrompt(page);
      await waitForBadge(page, livepeer, ["running"]);
      const { jobId } = await nodeState(page, livepeer);
      await page.waitForTimeout(1000);

      await page.reload();
      await page.waitForFunction(() => window.comfyLivepeer && window.app?.graph
        && window.app.extensionManager?.workflow?.activeWorkflow, null, { timeout: 30_000 });
      const restored = await until(() => nodeState(page, livepeer), "the restored node");
      assert.equal(restored.jobId, jobId);
      await waitForBadge(page, livepeer, ["delivered"], 30_000);
      const prompts = await until(async () => {
        const received = await comfy.prompts();
        return received.length > 0 && received;
      }, "the requeued prompt");
      const nodes = promptNodes(prompts[0]);
      assert.equal(nodes[livepeer].class_type, "LoadVideo");
      assert.match(nodes[livepeer].inputs.file, new RegExp(`^livepeer/${jobId}\\.`));
      assert.deepEqual(nodes[save].inputs.video, [String(livepeer), 0]);
      const log = await control(gateway.url, "reload", "log");
      const posts = log.requests.filter((entry) => entry.path === "/image-to-video");
      assert.equal(posts.length, 1, "the job was not sent again");
    });

    test("a settings change replaces the service; the old one ends its job first", async () => {
      await control(gateway.url, "swap", "config", { latency_ms: 2000 });
      await useScope(comfy, gateway.url, "swap");
      await comfy.reset();
      const [livepeer] = await buildGraph(page, {
        nodes: [textToImage("a fox across services"), { type: "PreviewImage", pos: [520, 120] }],
        links: [[0, 0, 1, 0]],
      });
      await queuePrompt(page);
      await waitForBadge(page, livepeer, ["submitting"]);
      const { jobId } = await nodeState(page, livepeer);
      await page.evaluate(() => {
        window.oldLivepeerService = window.comfyLivepeer.pool.current;
        return window.app.extensionManager.setting.set("Livepeer.Requests.MaxRetries", 5);
      });
      await until(() => page.evaluate(() => window.comfyLivepeer.pool.current
        !== window.oldLivepeerService), "the new service");
      const during = await page.evaluate((job) => ({
        retiring: window.comfyLivepeer.pool.retiring.has(window.oldLivepeerService),
        heldByOld: window.oldLivepeerService.status(job)?.state,
        heldByNew: window.comfyLivepeer.pool.current.status(job)?.state,
      }), jobId);
      assert.deepEqual(during, { retiring: true, heldByOld: "submitting", heldByNew: undefined });
      await waitForBadge(page, livepeer, ["delivered"]);
      await until(() => page.evaluate(() => window.comfyLivepeer.pool.retiring.size === 0),
        "the old service to be freed");
      const prompts = await until(async () => {
        const received = await comfy.prompts();
        return received.length > 0 && received;
      }, "the requeued prompt");
      assert.equal(promptNodes(prompts[0])[livepeer].class_type, "LoadImage");
      await page.evaluate(() => window.app.extensionManager.setting
        .set("Livepeer.Requests.MaxRetries", 3));
    });

    test("the API key is in no saved workflow, prompt, setting or request body", async () => {
      const saved = await page.evaluate(() => ({
        graph: JSON.stringify((window.app.rootGraph ?? window.app.graph).serialize()),
        local: JSON.stringify(Object.entries(localStorage)),
        session: JSON.stringify(Object.entries(sessionStorage)),
      }));
      for (const [where, text] of Object.entries(saved)) {
        assert.equal(text.includes(API_KEY), false, where);
      }
      assert.ok(saved.local.includes("livepeer"), "the saved workflow holds the job ids");
      const prompts = JSON.stringify(await comfy.prompts());
      assert.equal(prompts.includes(API_KEY), false);
      const settings = await (await fetch(`${comfy.url}/api/settings`)).text();
      assert.equal(settings.includes(API_KEY), false);
      assert.ok(relayBodies.length > 5);
      const sentToGateway = relayBodies.filter((body) => !body.includes(API_KEY));
      assert.equal(sentToGateway.length, relayBodies.length - 1,
        "only the body that set the key holds it");
    });

    test("moving the gateway to another host forgets the key, and says so", async () => {
      const moved = gateway.url.replace("127.0.0.1", "localhost");
      await page.evaluate((url) => window.app.extensionManager.setting
        .set("Livepeer.Gateway.URL", url), moved);
      await page.getByText("Livepeer API key forgotten").first().waitFor();
      const config = await (await fetch(`${comfy.url}/livepeer/config`)).json();
      assert.deepEqual([config.gateway_url, config.api_key_set], [moved, false]);
      const settings = await (await fetch(`${comfy.url}/api/settings`)).json();
      assert.equal(settings["Livepeer.Gateway.URL"], moved);
      assert.equal(settings["Livepeer.Gateway.APIKey"], undefined, "the key setting stays unset");
    });

    test("raises no page error and reaches no other host", () => {
      assert.deepEqual(browser.pageErrors, []);
      const unexpected = browser.consoleErrors.filter((line) => !EXPECTED_401.test(line));
      assert.deepEqual(unexpected, []);
      assert.equal(browser.consoleErrors.length, 1, "the refused job's 401, once");
      assert.deepEqual(browser.outsideRequests, []);
    });
  });
}
