// Boots the real ComfyUI frontend, in each pinned version, on the test server with a
// test-only extension (fixtures/hook-recorder), and checks the path every Livepeer test
// relies on: the extension loads and sets up, a PNG uploaded through /api/upload/image
// feeds a LoadImage → PreviewImage graph, queueing it sends exactly that prompt, the
// execution events come back to the extension over the WebSocket, and the page can upload
// through the frontend's api. The page must raise no error and reach no other host.
//
// The PNG is uploaded before the page opens, so the LoadImage file list the frontend reads
// at boot holds it: 1.58.1 marks a LoadImage whose file is not in that list as missing
// media, as it would on a real ComfyUI.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import {
  FIXTURES, FRONTEND_VERSIONS, gradientPng, loadGraph, openBrowser, openComfy,
  queuePrompt, screenshot, startComfy, uploadFile,
} from "./harness.mjs";

/** The frontend's workflow JSON for LoadImage(`image`) → PreviewImage. */
function loadPreviewGraph(image) {
  return {
    last_node_id: 2,
    last_link_id: 1,
    nodes: [
      {
        id: 1, type: "LoadImage", pos: [80, 120], size: [320, 360], flags: {}, order: 0,
        mode: 0, inputs: [],
        outputs: [
          { name: "IMAGE", type: "IMAGE", links: [1], slot_index: 0 },
          { name: "MASK", type: "MASK", links: null, slot_index: 1 },
        ],
        properties: { "Node name for S&R": "LoadImage" },
        widgets_values: [image, "image"],
      },
      {
        id: 2, type: "PreviewImage", pos: [480, 120], size: [320, 360], flags: {}, order: 1,
        mode: 0, inputs: [{ name: "images", type: "IMAGE", link: 1 }], outputs: [],
        properties: { "Node name for S&R": "PreviewImage" },
      },
    ],
    links: [[1, 1, 0, 2, 0, "IMAGE"]],
    groups: [],
    config: {},
    extra: { ds: { scale: 1, offset: [0, 0] } },
    version: 0.4,
  };
}

for (const version of FRONTEND_VERSIONS) {
  describe(`ComfyUI frontend ${version}`, () => {
    let comfy;
    let browser;
    let page;
    let readyMs;

    before(async () => {
      comfy = await startComfy({ version, pack: join(FIXTURES, "hook-recorder") });
      await comfy.upload({ name: "gradient.png", bytes: gradientPng(96, 96), mime: "image/png" });
      browser = await openBrowser();
      page = browser.page;
      readyMs = await openComfy(page, comfy);
    });

    after(async () => {
      await browser?.close();
      await comfy?.stop();
    });

    test("imports the pack's extension and runs its hooks through setup", async (t) => {
      t.diagnostic(`${version}: app ready ${readyMs} ms after navigation`);
      const recorder = await page.evaluate(() => window.__hookRecorder);
      assert.ok(recorder, "the extension module did not run");
      const hooks = recorder.hooks.map((hook) => hook.name);
      for (const name of ["init", "addCustomNodeDefs", "registerCustomNodes", "setup"]) {
        assert.ok(hooks.includes(name), `hook ${name} not called: ${hooks.join(", ")}`);
      }
      assert.ok(hooks.indexOf("init") < hooks.indexOf("setup"));
      assert.ok(recorder.nodeDefs.includes("LoadImage"));
      assert.ok(recorder.nodeDefs.includes("PreviewAny"));
    });

    test("queues a LoadImage → PreviewImage graph as exactly that prompt", async () => {
      await comfy.reset();
      await loadGraph(page, loadPreviewGraph("gradient.png"));
      // 1.27.10 answers !response.node_errors, and ComfyUI sends node_errors ({} when
      // nothing failed) with every accepted prompt, so that version reports false here.
      assert.equal(await queuePrompt(page), version !== "1.27.10");
      await page.waitForFunction(
        () => window.__hookRecorder.events.some((e) => e.type === "execution_success"),
        null, { timeout: 10_000 },
      );

      const prompts = await comfy.prompts();
      assert.equal(prompts.length, 1);
      const [request] = prompts;
      const nodes = Object.fromEntries(Object.entries(request.prompt).map(
        ([id, node]) => [id, { class_type: node.class_type, inputs: node.inputs }],
      ));
      assert.deepEqual(nodes, {
        1: { class_type: "LoadImage", inputs: { image: "gradient.png" } },
        2: { class_type: "PreviewImage", inputs: { images: ["1", 0] } },
      });
      const clientId = await page.evaluate(() => window.comfyAPI.api.api.clientId);
      assert.equal(request.client_id, clientId);
      assert.equal(request.extra_data.extra_pnginfo.workflow.nodes.length, 2);
    });

    test("delivers ComfyUI's execution events to the extension", async () => {
      const events = await page.evaluate(() => window.__hookRecorder.events);
      const success = events.find((e) => e.type === "execution_success");
      const run = events.filter((e) => e.detail?.prompt_id === success.detail.prompt_id
        || (e.type === "executing" && typeof e.detail === "string"));
      assert.deepEqual(run.map((e) => e.type), [
        "execution_start", "execution_cached", "executing", "executing", "executed",
        "execution_success",
      ]);
      assert.deepEqual(run.filter((e) => e.type === "executing").map((e) => e.detail),
        ["1", "2"]);
      const executed = run.find((e) => e.type === "executed").detail;
      assert.equal(executed.node, "2");
      assert.deepEqual(executed.output.images,
        [{ filename: "gradient.png", subfolder: "", type: "input" }]);
      const statuses = events.filter((e) => e.type === "status" && e.detail)
        .map((e) => e.detail.exec_info.queue_remaining);
      assert.deepEqual(statuses.slice(-2), [1, 0]);

      await page.waitForFunction(() => {
        const image = window.app.graph.getNodeById(2)?.imgs?.[0];
        return image?.complete && image.naturalWidth === 96;
      }, null, { timeout: 10_000 });
      await page.evaluate(() => window.app.canvas.setDirty(true, true));
      await page.waitForTimeout(200);
      await screenshot(page, `e2e-boot-${version}`);
    });

    test("uploads through the frontend's api, renaming a different file", async () => {
      const first = { name: "pixel.png", bytes: gradientPng(4, 4), mime: "image/png" };
      const second = { ...first, bytes: gradientPng(8, 8) };
      for (const [file, name] of [[first, "pixel.png"], [first, "pixel.png"],
        [second, "pixel (1).png"]]) {
        const answer = await uploadFile(page, { ...file, subfolder: "e2e" });
        assert.deepEqual(answer, { name, subfolder: "e2e", type: "input" });
      }
      const view = await fetch(`${comfy.url}/api/view?filename=pixel%20(1).png&type=input`
        + "&subfolder=e2e");
      assert.equal(view.status, 200);
      assert.equal(view.headers.get("content-type"), "image/png");
      assert.deepEqual(Buffer.from(await view.arrayBuffer()), second.bytes);
    });

    test("raises no page error and reaches no other host", () => {
      assert.deepEqual(browser.pageErrors, []);
      assert.deepEqual(browser.consoleErrors, []);
      assert.deepEqual(browser.outsideRequests, []);
    });
  });
}
