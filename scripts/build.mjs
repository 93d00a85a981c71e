// Builds the release wasm package into pkg/ (wasm-pack, with npm's wasm-opt), minifies
// its JS glue, and copies the files the ComfyUI extension loads into www/extension/pkg/.
import { buildWasm, checkToolchain } from "./lib.mjs";

try {
  checkToolchain();
} catch (error) {
  console.error(error.message);
  process.exit(1);
}

await buildWasm();
