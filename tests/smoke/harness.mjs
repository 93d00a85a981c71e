// The smoke test's harness: the local gateway, a static server for the repository and a
// headless Chromium page on the demo. Only 127.0.0.1 and localhost are reachable; any
// other request is aborted and counted, and page errors and console errors are
// collected, for the test to fail on.
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
const PKG_FILES = ["comfyui_livepeer.js", "comfyui_livepeer_bg.wasm"];
const LOOPBACK = new Set(["127.0.0.1", "localhost"]);

/**
 * Builds and starts the gateway, serves the repository and opens the demo page once it
 * says it is ready. Rejects when pkg/ is not built.
 * @returns {Promise<{page: import("playwright-core").Page, outsideRequests: string[],
 *   problems: string[], close: () => Promise<void>}>}
 */
export async function openDemo() {
  const missing = PKG_FILES.filter((file) => !existsSync(join(ROOT, "pkg", file)));
  if (missing.length > 0) {
    throw new Error(`pkg/ is not built (missing ${missing.join(", ")}): run npm run build`);
  }

  const stops = [];
  const outsideRequests = [];
  const problems = [];
  let browser;
  const close = async () => {
    await browser?.close();
    for (const stop of stops) stop();
  };

  try {
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

    const page = await context.newPage();
    page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
    page.on("console", (message) => {
      if (message.type() === "error" && !isScriptedFault(message)) {
        problems.push(`console error: ${message.text()}`);
      }
    });

    const demo = `${site.url}/www/demo/?gateway=${encodeURIComponent(gateway.url)}`;
    await page.goto(demo);
    await page.waitForSelector("body[data-ready=true]");
    return { page, outsideRequests, problems, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * A failed load of a request sent to a fault scope (`/s/demo-...`) is the fault the
 * test scripted, which Chromium reports on the console; every other error counts.
 */
function isScriptedFault(message) {
  const scoped = /\/s\/demo-[0-9a-f]+-\d+\//.test(message.location().url ?? "");
  return scoped && message.text().startsWith("Failed to load resource");
}
