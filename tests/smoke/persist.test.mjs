// Jobs across a real page reload, in headless Chromium: an async job keeps being polled
// by its request id, a sync request the reload cut comes back interrupted and can be
// sent again, finished results keep their files, a browser without IndexedDB still runs
// jobs and warns once, and the API key is never written to storage. Each scenario has
// its own database and gateway scope, on tests/smoke/persist-page.html. Only 127.0.0.1
// and localhost are reachable; any other request, page error, console error or console
// warning (but the one expected storage warning) fails the test.
//
// Needs pkg/ built first: `npm run build && node --test tests/smoke/persist.test.mjs`.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { buildGateway, ROOT, serveStatic, startGateway } from "../../scripts/lib.mjs";

const CHROMIUM = "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--no-sandbox", "--headless=new", "--disable-gpu", "--disable-dev-shm-usage",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
  "--no-first-run", "--disable-quic",
];
const LOOPBACK = new Set(["127.0.0.1", "localhost"]);
const STORAGE_WARNING = /jobs cannot be saved in this browser/;
const API_KEY = "secret-key-xyz";
const RUN_TAG = randomBytes(4).toString("hex");

const stops = [];
const outsideRequests = [];
let browser;
let context;
let gatewayUrl;
let siteUrl;
let scopeCount = 0;

before(async () => {
  const missing = ["comfyui_livepeer.js", "comfyui_livepeer_bg.wasm"]
    .filter((file) => !existsSync(join(ROOT, "pkg", file)));
  if (missing.length > 0) {
    throw new Error(`pkg/ is not built (missing ${missing.join(", ")}): run npm run build`);
  }
  const gateway = await startGateway(await buildGateway());
  stops.push(gateway.stop);
  gatewayUrl = gateway.url;
  const site = await serveStatic(ROOT);
  stops.push(site.stop);
  siteUrl = site.url;

  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  context = await browser.newContext();
  await context.route("**/*", (route) => {
    const url = new URL(route.request().url());
    if (LOOPBACK.has(url.hostname)) return route.continue();
    outsideRequests.push(url.href);
    return route.abort();
  });
});

after(async () => {
  await browser?.close();
  for (const stop of stops) stop();
});

/** A fresh gateway scope and database name for one scenario. */
function newScenario() {
  scopeCount += 1;
  const name = `persist-${RUN_TAG}-${scopeCount}`;
  return { scope: name, db: name };
}

/** Sends `body` to the scope's control endpoint `what` (config or faults). */
async function control(scope, what, body) {
  const answer = await fetch(`${gatewayUrl}/control/${scope}/${what}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  assert.equal(answer.status, 200, `control ${what}: ${await answer.text()}`);
}

/** The scope's request log, oldest first. */
async function requestLog(scope) {
  const answer = await fetch(`${gatewayUrl}/control/${scope}/log`);
  assert.equal(answer.status, 200);
  return (await answer.json()).requests;
}

/**
 * Opens the test page on the scope and database of `scenario` and waits until it is
 * ready. Page errors, console errors and console warnings are collected apart.
 */
async function openPage({ scope, db }, { storage } = {}) {
  const page = await context.newPage();
  const problems = [];
  const warnings = [];
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(`console error: ${message.text()}`);
    if (message.type() === "warning") warnings.push(message.text());
  });

  const query = new URLSearchParams({ db, gateway: `${gatewayUrl}/s/${scope}` });
  if (storage) query.set("storage", storage);
  await page.goto(`${siteUrl}/tests/smoke/persist-page.html?${query}`);
  await page.waitForSelector("body[data-ready=true]");
  return { page, problems, warnings };
}

/** Reloads the page and waits until the new one is ready; its service is not open yet. */
async function reload(page) {
  await page.reload();
  await page.waitForSelector("body[data-ready=true]");
}

/** Closes the page and fails on any error or warning it showed. */
async function closePage({ page, problems, warnings }) {
  await page.close();
  assert.deepEqual(problems, []);
  assert.deepEqual(warnings, []);
}

const NOTHING = { restored: 0, resumed: 0, interrupted: 0 };
const image = (prompt) => ({ prompt, width: 320, height: 192 });

test("an async job is polled again after a reload, with no second submission", {
  timeout: 30_000,
}, async () => {
  const scenario = newScenario();
  await control(scenario.scope, "config", { async_duration_ms: 4000 });
  const opened = await openPage(scenario);
  const { page } = opened;
  assert.deepEqual(await page.evaluate(() => jobs.open()), NOTHING);
  const imageJob = await page.evaluate((p) => jobs.run("text-to-image", p), image("a pier"));
  const videoJob = await page.evaluate(
    (id) => jobs.submitVideoOf(id, { width: 320, height: 192 }), imageJob);
  const running = await page.evaluate((id) => jobs.waitForState(id, "running"), videoJob);
  assert.ok(running.requestId, "the running job has the gateway's request id");

  await reload(page);
  const sentBefore = (await requestLog(scenario.scope)).length;
  const summary = await page.evaluate(() => jobs.open());
  assert.deepEqual(summary, { restored: 2, resumed: 1, interrupted: 0 });
  const resumed = await page.evaluate((id) => jobs.status(id), videoJob);
  assert.equal(resumed.state, "running");
  assert.equal(resumed.requestId, running.requestId);

  await page.evaluate((id) => jobs.waitForState(id, "completed"), videoJob);
  const [videoSize] = await page.evaluate((id) => jobs.blobSizes(id), videoJob);
  assert.ok(videoSize > 0, `the video has a file (${videoSize} bytes)`);

  const paths = (await requestLog(scenario.scope)).map((entry) => entry.path);
  assert.equal(paths.filter((path) => path === "/image-to-video").length, 1);
  const sentAfter = paths.slice(sentBefore);
  assert.ok(sentAfter.length > 0, "the job was polled after the reload");
  assert.deepEqual(new Set(sentAfter), new Set(["/image-to-video/result"]));
  await closePage(opened);
});

test("a sync request cut by a reload is interrupted and can be sent again", {
  timeout: 30_000,
}, async () => {
  const scenario = newScenario();
  await control(scenario.scope, "faults", [{ kind: "delay", ms: 6000 }]);
  const opened = await openPage(scenario);
  const { page } = opened;
  assert.deepEqual(await page.evaluate(() => jobs.open()), NOTHING);
  const jobId = await page.evaluate((p) => jobs.submit("text-to-image", p), image("a tide"));
  await page.evaluate((id) => jobs.waitForState(id, "submitting"), jobId);
  await waitForRequest(scenario.scope, "/text-to-image");

  await reload(page);
  const summary = await page.evaluate(() => jobs.open());
  assert.deepEqual(summary, { restored: 1, resumed: 0, interrupted: 1 });
  const status = await page.evaluate((id) => jobs.status(id), jobId);
  assert.equal(status.state, "interrupted");
  assert.equal(status.error?.kind, "interrupted");
  assert.equal(status.attempt, 1, "the cut attempt is still counted");

  await page.evaluate((id) => jobs.resubmit(id), jobId);
  await page.evaluate((id) => jobs.waitForState(id, "completed"), jobId);
  const [size] = await page.evaluate((id) => jobs.blobSizes(id), jobId);
  assert.ok(size > 0, `the image has a file (${size} bytes)`);

  const sent = (await requestLog(scenario.scope)).filter((e) => e.path === "/text-to-image");
  assert.deepEqual(sent.map((entry) => entry.fault), ["delay 6000", null]);
  await closePage(opened);
});

test("a completed and a delivered result keep their files across a reload", {
  timeout: 30_000,
}, async () => {
  const scenario = newScenario();
  const opened = await openPage(scenario);
  const { page } = opened;
  assert.deepEqual(await page.evaluate(() => jobs.open()), NOTHING);
  const completed = await page.evaluate((p) => jobs.submit("text-to-image", p), image("a dune"));
  await page.evaluate((id) => jobs.waitForState(id, "completed"), completed);
  const delivered = await page.evaluate((p) => jobs.run("text-to-image", p), image("a reef"));
  const ids = [completed, delivered];
  const sizes = await page.evaluate((jobIds) => jobIds.map(jobs.blobSizes), ids);
  assert.ok(sizes.flat().every((size) => size > 0), `files: ${JSON.stringify(sizes)}`);

  await reload(page);
  const summary = await page.evaluate(() => jobs.open());
  assert.deepEqual(summary, { restored: 2, resumed: 0, interrupted: 0 });
  const states = await page.evaluate(
    (jobIds) => jobIds.map((id) => jobs.status(id)?.state), ids);
  assert.deepEqual(states, ["completed", "delivered"]);
  assert.deepEqual(await page.evaluate((jobIds) => jobIds.map(jobs.blobSizes), ids), sizes);
  for (const jobId of ids) {
    assert.deepEqual(await page.evaluate((id) => jobs.imageSize(id), jobId), [320, 192]);
  }
  await closePage(opened);
});

test("without IndexedDB jobs still run, restore finds nothing, one warning", {
  timeout: 30_000,
}, async () => {
  const scenario = newScenario();
  const opened = await openPage(scenario, { storage: "broken" });
  const { page, warnings } = opened;
  await page.evaluate(() => jobs.create());
  const jobId = await page.evaluate((p) => jobs.run("text-to-image", p), image("a fog bank"));
  const [size] = await page.evaluate((id) => jobs.blobSizes(id), jobId);
  assert.ok(size > 0, `the image has a file (${size} bytes)`);

  assert.deepEqual(await page.evaluate(() => jobs.restore()), NOTHING);
  assert.equal(warnings.length, 1, `one warning: ${JSON.stringify(warnings)}`);
  assert.match(warnings[0], STORAGE_WARNING);
  warnings.length = 0;
  await closePage(opened);
});

test("the API key is never stored", { timeout: 30_000 }, async () => {
  const scenario = newScenario();
  await control(scenario.scope, "config", { api_key: API_KEY });
  const opened = await openPage(scenario);
  const { page } = opened;
  assert.deepEqual(await page.evaluate((apiKey) => jobs.open({ apiKey }), API_KEY), NOTHING);
  const jobId = await page.evaluate((p) => jobs.run("text-to-image", p), image("a vault"));
  await waitForSavedState(page, jobId, "delivered");

  const stored = await page.evaluate(() => jobs.storedText());
  assert.ok(stored.includes(jobId), "the job's record is among what is stored");
  assert.ok(!stored.includes(API_KEY), "the key is not in IndexedDB or web storage");

  const log = await requestLog(scenario.scope);
  assert.ok(log.length > 0 && log.every((entry) => entry.authorization),
    "every request to the gateway carried the key");
  await closePage(opened);
});

// A job submitted at once after `new JobService`, before its database has opened, is
// saved as soon as the database opens, so a reload during its request brings it back.
test("a job submitted before the database opened is saved while it runs", {
  timeout: 30_000,
}, async () => {
  const scenario = newScenario();
  await control(scenario.scope, "faults", [{ kind: "delay", ms: 3000 }]);
  const { page } = await openPage(scenario);
  const jobId = await page.evaluate((p) => {
    jobs.create();
    return jobs.submit("text-to-image", p);
  }, image("an early tide"));
  await waitForRequest(scenario.scope, "/text-to-image");
  try {
    await waitForSavedState(page, jobId, "submitting", 1_000);
  } finally {
    await page.close();
  }
});

// A second tab on the same database would take the first tab's running job for one a
// reload cut, and could send it again; it works in memory instead, with one warning.
test("a second page on the same database does not take over the first one's jobs", {
  timeout: 30_000,
}, async () => {
  const scenario = newScenario();
  await control(scenario.scope, "faults", [{ kind: "delay", ms: 6000 }]);
  const first = await openPage(scenario);
  assert.deepEqual(await first.page.evaluate(() => jobs.open()), NOTHING);
  await first.page.evaluate((p) => jobs.submit("text-to-image", p), image("a lighthouse"));
  await waitForRequest(scenario.scope, "/text-to-image");

  const second = await openPage(scenario);
  assert.deepEqual(await second.page.evaluate(() => jobs.open()), NOTHING,
    "the second page restores nothing of the first page's jobs");
  assert.equal(second.warnings.length, 1, JSON.stringify(second.warnings));
  assert.match(second.warnings[0], STORAGE_WARNING);
  second.warnings.length = 0;
  await closePage(second);
  assert.equal((await requestLog(scenario.scope)).length, 1, "the job was sent once");
  await first.page.close();
});

test("nothing left the machine", () => {
  assert.deepEqual(outsideRequests, []);
});

/** Waits until the gateway received a request on `path` in `scope`. */
async function waitForRequest(scope, path, timeoutMs = 5_000) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const log = await requestLog(scope);
    if (log.some((entry) => entry.path === path)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.fail(`the gateway received no ${path} request in ${timeoutMs} ms`);
}

/** Waits until the saved record of `jobId` says `state`; the save runs in the background. */
async function waitForSavedState(page, jobId, state, timeoutMs = 5_000) {
  const until = Date.now() + timeoutMs;
  let record = null;
  while (Date.now() < until) {
    record = await page.evaluate((id) => jobs.savedRecord(id), jobId);
    if (record?.state === state) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.fail(`job ${jobId} was saved as ${record?.state ?? "nothing"}, not ${state}`);
}
