// Shared helpers of the build, demo and test scripts: running commands, the toolchain
// check, the wasm build, the local gateway and a static server. Everything listens on
// 127.0.0.1 only.
import { spawn, spawnSync } from "node:child_process";
import { createServer } from "node:http";
import { existsSync } from "node:fs";
import { cp, mkdir, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository's root folder. */
export const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));

/** The wasm-bindgen version the crate pins; the CLI on PATH must match it. */
export const WASM_BINDGEN_VERSION = "0.2.130";

/** PATH with npm's binaryen first, so wasm-pack picks a wasm-opt that works. */
export function toolEnv(extra = {}) {
  const path = `${join(ROOT, "node_modules", ".bin")}:${process.env.PATH}`;
  return { ...process.env, PATH: path, ...extra };
}

/** Runs a command with inherited output; rejects when it fails. */
export function run(command, args, options = {}) {
  return new Promise((resolve, reject) => {
    const settings = { cwd: ROOT, stdio: "inherit", env: toolEnv(), ...options };
    const child = spawn(command, args, settings);
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`${command} ${args.join(" ")} failed (${signal ?? `exit ${code}`})`));
    });
  });
}

/** Fails with a clear message when a tool the build needs is missing or mismatched. */
export function checkToolchain() {
  const problems = [];
  const version = (cmd) => spawnSync(cmd, ["--version"], { encoding: "utf8", env: toolEnv() });
  const bindgen = version("wasm-bindgen");
  if (bindgen.status !== 0 || !bindgen.stdout.includes(WASM_BINDGEN_VERSION)) {
    problems.push(`wasm-bindgen ${WASM_BINDGEN_VERSION}: ` +
      `cargo install wasm-bindgen-cli --version ${WASM_BINDGEN_VERSION}`);
  }
  if (version("wasm-pack").status !== 0) {
    problems.push("wasm-pack: cargo install wasm-pack --locked --version 0.15.1");
  }
  const target = spawnSync("rustup", ["target", "list", "--installed"], { encoding: "utf8" });
  if (!String(target.stdout).includes("wasm32-unknown-unknown")) {
    problems.push("the wasm32 target: rustup target add wasm32-unknown-unknown");
  }
  if (problems.length > 0) {
    throw new Error(`missing tools (or run .ci/setup once):\n  ${problems.join("\n  ")}`);
  }
}

/** Where the ComfyUI extension loads the wasm package from (git-ignored). */
export const EXTENSION_PKG = join(ROOT, "www", "extension", "pkg");

/**
 * Builds the release wasm package into pkg/ with npm's wasm-opt, gives the wasm's
 * imports and exports short names (see short-names.mjs), minifies the JS glue
 * wasm-bindgen wrote (about 3 KB less gzipped), then copies
 * what the page loads (the JS glue, the .wasm and `snippets/`) into www/extension/pkg/,
 * replacing an earlier copy. ComfyUI imports every .js under www/extension, so nothing
 * else goes there.
 */
export async function buildWasm() {
  checkToolchain();
  await run("wasm-pack", ["build", "--release", "--target", "web", "--out-dir", "pkg"]);
  const glue = join("pkg", "comfyui_livepeer.js");
  const { shortenNames } = await import("./short-names.mjs");
  shortenNames(
    join(ROOT, "pkg", "comfyui_livepeer_bg.wasm"),
    join(ROOT, glue),
    join(ROOT, "pkg", "comfyui_livepeer_bg.wasm.d.ts"),
  );
  const minify = ["--minify", "--format=esm", "--allow-overwrite", `--outfile=${glue}`];
  await run("esbuild", [glue, ...minify]);
  await rm(EXTENSION_PKG, { recursive: true, force: true });
  await mkdir(EXTENSION_PKG, { recursive: true });
  for (const name of ["comfyui_livepeer.js", "comfyui_livepeer_bg.wasm", "snippets"]) {
    await cp(join(ROOT, "pkg", name), join(EXTENSION_PKG, name), { recursive: true });
  }
}

/** Builds the local gateway and returns its binary's path. */
export async function buildGateway() {
  await run("cargo", ["build", "-p", "livepeer-local-gateway"]);
  return join(ROOT, "target", "debug", "livepeer-local-gateway");
}

/**
 * Starts the local gateway on a free port of 127.0.0.1 and resolves with
 * `{url, stop}` once it listens. `args` are extra flags such as `["--api-key", k]`.
 */
export function startGateway(binary, args = []) {
  return new Promise((resolve, reject) => {
    if (!existsSync(binary)) return reject(new Error(`no gateway binary at ${binary}`));
    const stdio = ["ignore", "pipe", "inherit"];
    const child = spawn(binary, ["--port", "0", ...args], { stdio });
    let seen = "";
    child.on("error", reject);
    child.on("exit", (code) => reject(new Error(`the gateway exited early (${code})`)));
    child.stdout.on("data", (chunk) => {
      seen += chunk;
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(seen);
      if (match) {
        child.removeAllListeners("exit");
        resolve({ url: match[1], stop: () => child.kill("SIGTERM") });
      }
    });
  });
}

/** Serves `root` statically on 127.0.0.1:`port` (0 = any); resolves with `{url, stop}`. */
export async function serveStatic(root, port = 0) {
  const { default: sirv } = await import("sirv");
  const files = sirv(root, { dev: true, dotfiles: false });
  const server = createServer((req, res) => files(req, res, () => {
    res.statusCode = 404;
    res.end("not found");
  }));
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", resolve);
  });
  const { port: bound } = server.address();
  return { url: `http://127.0.0.1:${bound}`, stop: () => server.close() };
}
