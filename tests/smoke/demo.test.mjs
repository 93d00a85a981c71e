// Smoke test of the demo page in headless Chromium: the release wasm package loads, a
// job returns a PNG that decodes at the asked size, a 503 is retried, a slow job can be
// cancelled. Only 127.0.0.1 and localhost are reachable; any other request is aborted,
// counted and fails the test, as does any page error or console error.
//
// Needs pkg/ built first: `npm run build && node --test tests/smoke/`.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { buildGateway, ROOT, serveStatic, startGateway } from "../../scripts/lib.mjs";

const CHROMIUM = "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--no-sandbox", "--headless=new", "--disable-gpu", "--disable-dev-shm-usage",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
  "--no-first-run", "--disable-quic",
];
const PKG_FILES = ["comfyui_livepeer.js", "comfyui_livepeer_bg.wasm"];
const LOOPBACK = new Set(["127.0.0.1", "localhost"]);
const RESULTS = join(ROOT, "test-results");

const stops = [];
const outsideRequests = [];
const problems = [];
let browser;
let page;

before(async () => {
  const missing = PKG_FILES.filter((file) => !existsSync(join(ROOT, "pkg", file)));
  if (missing.length > 0) {
    throw new Error(`pkg/ is not built (missing ${missing.join(", ")}): run npm run build`);
  }

  const gateway = await startGateway(await buildGateway());
  stops.push(gateway.stop);
  const site = await serveStatic(ROOT);
  stops.push(site.stop);

  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.route("**/*", (route) => {
    const url = new URL(route.request().url());
    if (LOOPBACK.has(url.hostname)) return route.continue();
    outsideRequests.push(url.href);
    return route.abort();
  });

  page = await context.newPage();
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error" && !isScriptedFault(message)) {
      problems.push(`console error: ${message.text()}`);
    }
  });

  const demo = `${site.url}/www/demo/?gateway=${encodeURIComponent(gateway.url)}`;
  await page.goto(demo);
  await page.waitForSelector("body[data-ready=true]");
});

after(async () => {
  await browser?.close();
  for (const stop of stops) stop();
});

/**
 * A failed load of a request sent to a fault scope (`/s/demo-...`) is the fault the
 * test scripted, which Chromium reports on the console; every other error counts.
 */
function isScriptedFault(message) {
  const scoped = /\/s\/demo-[0-9a-f]+-\d+\//.test(message.location().url ?? "");
  return scoped && message.text().startsWith("Failed to load resource");
}

/** Fills the job form and presses one of its buttons; resolves with the new job's row. */
async function startJob({ prompt, fault = "none", button = "#run-sync" }) {
  const before = await page.locator("tbody[data-testid=job]").count();
  await page.fill("#prompt", prompt);
  await page.fill("#width", "320");
  await page.fill("#height", "192");
  await page.selectOption("#fault", fault);
  await page.click(button);
  return page.locator(`tbody[data-testid=job][data-seq="${before + 1}"]`);
}

async function waitForState(row, state, timeout = 20_000) {
  await row.locator(`xpath=self::*[@data-state="${state}"]`).waitFor({ timeout });
}

test("a sync job shows its 320x192 image", { timeout: 60_000 }, async () => {
  const row = await startJob({ prompt: "a lighthouse at dusk" });
  await waitForState(row, "delivered");

  const image = row.locator("img[data-testid=job-image]");
  await image.waitFor();
  await page.waitForFunction(
    (img) => img.complete && img.naturalWidth > 0,
    await image.elementHandle(),
  );
  const size = await image.evaluate((img) => [img.naturalWidth, img.naturalHeight]);
  assert.deepEqual(size, [320, 192]);
  assert.match(await row.locator("figcaption").textContent(), /seed \d+ · nsfw no/);
});

test("a 503 is retried and the job is delivered on attempt 2", { timeout: 60_000 }, async () => {
  const row = await startJob({ prompt: "a harbour", fault: "503", button: "#run-async" });
  await waitForState(row, "delivered");

  assert.equal(await row.locator("[data-testid=job-attempt]").textContent(), "2");
  assert.equal(await row.locator("[data-testid=job-error]").textContent(), "");
  await row.locator("img[data-testid=job-image]").waitFor();
});

test("a slow job can be cancelled", { timeout: 60_000 }, async () => {
  const row = await startJob({ prompt: "a slow sunrise", fault: "slow", button: "#run-async" });
  await waitForState(row, "submitting");
  await row.locator("[data-testid=job-cancel]").click();
  await waitForState(row, "cancelled");

  assert.match(await row.locator("[data-testid=job-error]").textContent(), /^cancelled/);
  assert.equal(await row.locator("[data-testid=job-cancel]").isHidden(), true);
});

test("the page looks right", async () => {
  mkdirSync(RESULTS, { recursive: true });
  await page.screenshot({ path: join(RESULTS, "demo.png"), fullPage: true });
});

test("nothing left the machine and nothing went wrong on the page", () => {
  assert.deepEqual(outsideRequests, []);
  assert.deepEqual(problems, []);
});
