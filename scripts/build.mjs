// Builds the release wasm package into pkg/ (wasm-pack, with npm's wasm-opt), minifies
// its JS glue, and copies the files the ComfyUI extension loads into www/extension/pkg/.
import { buildWasm } from "./lib.mjs";

await buildWasm();
