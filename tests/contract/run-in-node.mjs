// Loads the release wasm package from pkg/ into Node, so the real job service can run
// outside a browser (Node 20 has fetch, FormData, Blob and AbortController).
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";

const PKG = new URL("../../pkg/", import.meta.url);
const GLUE = new URL("comfyui_livepeer.js", PKG);
const WASM = new URL("comfyui_livepeer_bg.wasm", PKG);

/**
 * Instantiates the wasm package once and resolves with its exports (`JobService`).
 * Rejects with a message naming the build command when pkg/ is not built.
 */
export async function loadService() {
  for (const file of [GLUE, WASM]) {
    if (!existsSync(file)) throw new Error(`${file.pathname} is missing: run npm run build`);
  }
  const module = await import(GLUE.href);
  await module.default({ module_or_path: await readFile(WASM) });
  return module;
}
