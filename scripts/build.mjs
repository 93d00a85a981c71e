// Builds the release wasm package into pkg/ (wasm-pack, with npm's wasm-opt).
import { buildWasm } from "./lib.mjs";

await buildWasm();
