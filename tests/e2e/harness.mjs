// The end-to-end harness: the ComfyUI test server (server/comfy_stub.py) with a pinned
// build of the real ComfyUI frontend, and headless Chromium pages on it.
//
// Every request the page makes to a host other than 127.0.0.1 / localhost is aborted and
// counted; uncaught page errors and console errors are collected, for a test to assert
// that all three lists are empty. Screenshots go to test-results/.
import { execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { crc32, deflateSync } from "node:zlib";
import { chromium } from "playwright-core";

export const E2E_DIR = dirname(fileURLToPath(import.meta.url));
export const ROOT = join(E2E_DIR, "..", "..");
export const FIXTURES = join(E2E_DIR, "fixtures");
export const RESULTS = join(ROOT, "test-results");
/** The frontend versions the tests run against: the newest and the one ComfyUI 0.3.64 pins. */
export const FRONTEND_VERSIONS = ["1.58.1", "1.27.10"];

const CHROMIUM = "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--no-sandbox", "--headless=new", "--disable-gpu", "--disable-dev-shm-usage",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
  "--no-first-run", "--disable-quic",
];
const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);
const SERVER_START_MS = 20_000;
const APP_READY_MS = 30_000;

// Chromium reports every 404 answer as a console error with this exact text. Three files
// are optional and missing on a fresh ComfyUI too, whose server also answers 404: the
// user stylesheet (index.html links /user.css; the app reads /api/userdata/user.css) and
// the user's template settings (/api/userdata/comfy.templates.json). Only those are ignored.
const NOT_FOUND_TEXT =
  "Failed to load resource: the server responded with a status of 404 (Not Found)";
const OPTIONAL_FILES = new Set([
  "/user.css", "/api/userdata/user.css", "/api/userdata/comfy.templates.json",
]);
/**
 * Settings every test starts with unless it passes others. The frontend's built-in
 * default workflow, loaded at boot, uses model-loading node classes the test server does
 * not define; without these, the frontend reports them missing in a dialog or toast, and
 * 1.27.10 also looks each one up on the Comfy registry, a host outside this machine.
 */
export const TEST_SETTINGS = {
  "Comfy.Workflow.ShowMissingNodesWarning": false,
  "Comfy.Workflow.ShowMissingModelsWarning": false,
};

/**
 * The static folder of a pinned frontend build, installed by install-frontend.sh when
 * missing. Throws if the install fails.
 * @param {string} version
 * @returns {string}
 */
export function frontendDir(version) {
  const installed = join(E2E_DIR, ".frontend", version, "comfyui_frontend_package");
  const staticDir = join(installed, "static");
  if (!existsSync(join(staticDir, "index.html"))) {
    execFileSync("bash", [join(E2E_DIR, "install-frontend.sh"), version], { stdio: "inherit" });
  }
  return staticDir;
}

/**
 * Starts the test server with one frontend version. Rejects when it does not print its
 * address within 20 s; the rejection carries the server's stderr.
 * @param {{version?: string, pack?: string, gateway?: string, apiKey?: string,
 *   settings?: object, inputDir?: string, nodeDelay?: number}} [options]
 *   pack: a folder whose www/extension is served as the comfyui-livepeer pack (default:
 *   the repository); settings: user settings on top of the server's defaults and
 *   TEST_SETTINGS (which turn off the missing-node and missing-model warnings).
 * The result's `upload(file)` posts a file to `/api/upload/image` from the test process
 * (same fields as `uploadFile`), `prompts()` lists the bodies of the accepted prompts,
 * `reset()` forgets them, `notes` are the server's lines on the pack and the relay.
 * @returns {Promise<{url: string, version: string, inputDir: string, notes: string[],
 *   stderr: () => string, upload: (file: object) => Promise<object>,
 *   prompts: () => Promise<object[]>, reset: () => Promise<void>,
 *   stop: () => Promise<void>}>}
 */
export async function startComfy(options = {}) {
  const version = options.version ?? FRONTEND_VERSIONS[0];
  const work = await mkdtemp(join(tmpdir(), "comfy-e2e-"));
  const inputDir = options.inputDir ?? join(work, "input");
  await mkdir(inputDir, { recursive: true });

  const args = [
    join(E2E_DIR, "server", "comfy_stub.py"),
    "--frontend", frontendDir(version),
    "--pack", options.pack ?? ROOT,
    "--input-dir", inputDir,
    "--port", "0",
  ];
  if (options.gateway) args.push("--gateway", options.gateway);
  if (options.apiKey) args.push("--api-key", options.apiKey);
  if (options.nodeDelay) args.push("--node-delay", String(options.nodeDelay));
  const settingsFile = join(work, "settings.json");
  await writeFile(settingsFile, JSON.stringify({ ...TEST_SETTINGS, ...options.settings }));
  args.push("--settings", settingsFile);

  const child = spawn("python3", args, { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (chunk) => (stderr += chunk));
  const exited = new Promise((resolve) => child.once("exit", resolve));

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await exited;
    await rm(work, { recursive: true, force: true });
  };

  let url;
  let notes;
  try {
    ({ url, notes } = await readAddress(child, exited, () => stderr));
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    url,
    version,
    inputDir,
    notes,
    stderr: () => stderr,
    upload: (file) => postUpload(url, file),
    prompts: async () => (await fetch(`${url}/test/prompts`)).json(),
    reset: async () => void (await fetch(`${url}/test/reset`, { method: "POST" })),
    stop,
  };
}

async function postUpload(url, { name, bytes, mime, subfolder, type, overwrite }) {
  const form = new FormData();
  form.append("image", new Blob([bytes], { type: mime ?? "application/octet-stream" }), name);
  form.append("type", type ?? "input");
  form.append("subfolder", subfolder ?? "");
  if (overwrite) form.append("overwrite", "true");
  const response = await fetch(`${url}/api/upload/image`, { method: "POST", body: form });
  if (response.status !== 200) throw new Error(`upload answered ${response.status}`);
  return response.json();
}

function readAddress(child, exited, stderr) {
  return new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(
      () => reject(new Error(`comfy_stub did not start in time:\n${stderr()}`)),
      SERVER_START_MS,
    );
    child.stdout.on("data", (chunk) => {
      out += chunk;
      const match = out.match(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
      if (match) {
        clearTimeout(timer);
        const notes = out.split("\n").filter((line) => /^(relay|pack):/.test(line));
        resolve({ url: match[1], notes });
      }
    });
    exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`comfy_stub exited (${code}) before listening:\n${stderr()}`));
    });
  });
}

/**
 * Launches headless Chromium with one page. Requests to any host but loopback are
 * aborted and listed in `outsideRequests`; uncaught errors go to `pageErrors`, console
 * errors (except known frontend noise) to `consoleErrors`.
 * @returns {Promise<{page: import("playwright-core").Page, outsideRequests: string[],
 *   pageErrors: string[], consoleErrors: string[], close: () => Promise<void>}>}
 */
export async function openBrowser() {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  const outsideRequests = [];
  const pageErrors = [];
  const consoleErrors = [];
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await context.route("**/*", (route) => {
      const url = new URL(route.request().url());
      if (LOOPBACK.has(url.hostname)) return route.continue();
      outsideRequests.push(url.href);
      return route.abort("blockedbyclient");
    });
    const page = await context.newPage();
    page.on("pageerror", (error) => pageErrors.push(error.stack ?? error.message));
    page.on("console", (message) => {
      if (message.type() !== "error" || isOptionalFileMissing(message)) return;
      consoleErrors.push(`${message.text()} (${message.location().url})`);
    });
    return { page, outsideRequests, pageErrors, consoleErrors, close: () => browser.close() };
  } catch (error) {
    await browser.close();
    throw error;
  }
}

function isOptionalFileMissing(message) {
  if (message.text() !== NOT_FOUND_TEXT) return false;
  try {
    return OPTIONAL_FILES.has(new URL(message.location().url).pathname);
  } catch {
    return false;
  }
}

/**
 * Opens ComfyUI in `page` and waits until the app is set up and its first workflow is
 * loaded: `window.app` with a graph and a canvas, and an active workflow. Rejects after
 * 30 s. Resolves to the milliseconds that took.
 * @param {import("playwright-core").Page} page
 * @param {{url: string}} comfy what startComfy returned
 * @returns {Promise<number>}
 */
export async function openComfy(page, comfy) {
  const started = Date.now();
  await page.goto(comfy.url);
  await page.waitForFunction(
    () => {
      const app = window.app;
      return Boolean(
        app?.graph && app.canvas && document.querySelector("#graph-canvas")
          && app.extensionManager?.workflow?.activeWorkflow,
      );
    },
    null,
    { timeout: APP_READY_MS, polling: 50 },
  );
  return Date.now() - started;
}

/**
 * Loads a workflow (the frontend's graph JSON) with `app.loadGraphData`.
 * @param {import("playwright-core").Page} page
 * @param {object} graph
 */
export async function loadGraph(page, graph) {
  await page.evaluate((data) => window.app.loadGraphData(data), graph);
}

/**
 * Queues the current graph with `app.queuePrompt(0)`; resolves to its boolean result.
 * 1.58.1 gives false when the server reported node errors; 1.27.10 gives false for every
 * prompt the server answered, accepted ones included (it tests `!node_errors`, and
 * ComfyUI always sends that object).
 * @param {import("playwright-core").Page} page
 * @returns {Promise<boolean>}
 */
export async function queuePrompt(page) {
  return page.evaluate(() => window.app.queuePrompt(0));
}

/**
 * Uploads a file from the page through the frontend's api (`POST /upload/image`), as an
 * extension would. Resolves to the server's JSON answer (`{name, subfolder, type}`);
 * rejects on a non-200 answer.
 * @param {import("playwright-core").Page} page
 * @param {{name: string, bytes: Uint8Array, mime?: string, subfolder?: string,
 *   type?: string, overwrite?: boolean}} file
 * @returns {Promise<{name: string, subfolder: string, type: string}>}
 */
export async function uploadFile(page, file) {
  const payload = { ...file, bytes: Buffer.from(file.bytes).toString("base64") };
  return page.evaluate(async ({ name, bytes, mime, subfolder, type, overwrite }) => {
    const data = Uint8Array.from(atob(bytes), (c) => c.charCodeAt(0));
    const form = new FormData();
    form.append("image", new File([data], name, { type: mime ?? "application/octet-stream" }));
    form.append("type", type ?? "input");
    form.append("subfolder", subfolder ?? "");
    if (overwrite) form.append("overwrite", "true");
    const response = await window.comfyAPI.api.api.fetchApi("/upload/image", {
      method: "POST",
      body: form,
    });
    if (response.status !== 200) throw new Error(`upload answered ${response.status}`);
    return response.json();
  }, payload);
}

/**
 * Saves a screenshot of the page as test-results/<name>.png; resolves to its path.
 * @param {import("playwright-core").Page} page
 * @param {string} name
 * @returns {Promise<string>}
 */
export async function screenshot(page, name) {
  await mkdir(RESULTS, { recursive: true });
  const path = join(RESULTS, `${name}.png`);
  await page.screenshot({ path });
  return path;
}

/**
 * A `width` x `height` RGB PNG with a colour gradient, for uploads.
 * @param {number} width
 * @param {number} height
 * @returns {Buffer}
 */
export function gradientPng(width, height) {
  const rows = [];
  for (let y = 0; y < height; y += 1) {
    const row = Buffer.alloc(1 + width * 3);
    for (let x = 0; x < width; x += 1) {
      row[1 + x * 3] = Math.round((255 * x) / Math.max(1, width - 1));
      row[2 + x * 3] = Math.round((255 * y) / Math.max(1, height - 1));
      row[3 + x * 3] = 160;
    }
    rows.push(row);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk("IHDR", header),
    pngChunk("IDAT", deflateSync(Buffer.concat(rows))),
    pngChunk("IEND", Buffer.alloc(0)),
  ]);
}

function pngChunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}
