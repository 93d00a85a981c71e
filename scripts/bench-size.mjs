// The shipped-size benchmark: the release wasm and its JS glue, each gzip -9, against
// the JavaScript a page would otherwise ship to call all ten pipelines: the official
// @livepeer/ai SDK (pinned in bench/size/) bundled and minified with esbuild, zod
// included. Both are measured in the same run. `--no-build` measures pkg/ as it is.
import { existsSync, readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { join } from "node:path";
import { buildWasm, ROOT, run } from "./lib.mjs";

const BENCH = join(ROOT, "bench", "size");

/** Raw and gzip -9 sizes of a file's bytes. */
function sizes(bytes) {
  return { raw: bytes.length, gz: gzipSync(bytes, { level: 9 }).length };
}

if (!process.argv.includes("--no-build")) await buildWasm();
if (!existsSync(join(BENCH, "node_modules", "esbuild"))) {
  await run("npm", ["ci", "--no-audit", "--no-fund"], { cwd: BENCH });
}

const wasm = sizes(readFileSync(join(ROOT, "pkg", "comfyui_livepeer_bg.wasm")));
const glue = sizes(readFileSync(join(ROOT, "pkg", "comfyui_livepeer.js")));
const { build } = await import(join(BENCH, "node_modules", "esbuild", "lib", "main.js"));
const bundle = await build({
  entryPoints: [join(BENCH, "sdk-entry.mjs")],
  bundle: true,
  minify: true,
  format: "esm",
  platform: "browser",
  write: false,
  logLevel: "silent",
});
const sdk = sizes(Buffer.from(bundle.outputFiles[0].contents));

const ours = wasm.gz + glue.gz;
const kb = (bytes) => `${(bytes / 1000).toFixed(1)} KB`;
const rows = [
  ["comfyui-livepeer wasm", wasm],
  ["comfyui-livepeer JS glue", glue],
  ["@livepeer/ai 0.6.2 + zod, 10 calls", sdk],
];
console.log(`${"what".padEnd(36)} ${"raw".padStart(10)} ${"gzip -9".padStart(10)}`);
for (const [name, size] of rows) {
  console.log(`${name.padEnd(36)} ${kb(size.raw).padStart(10)} ${kb(size.gz).padStart(10)}`);
}
console.log(`\nours (wasm + glue, gzip -9): ${kb(ours)}; goal at most 90 KB: ` +
  `${ours <= 90_000 ? "met" : "not met"}`);
console.log(`ours / SDK: ${(ours / sdk.gz).toFixed(2)}x (the SDK has no job service, ` +
  "polling, persistence or result files)");
