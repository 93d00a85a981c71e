// Gives the wasm's imports, exports and import module short names, and renames them in
// the JS glue to match. wasm-bindgen names every import after the JS it wraps plus a
// 16-digit hash (`__wbg_size_9d1084e29743663c`); about a hundred such names, written in
// both files, do not compress. Binaryen's `--minify-imports-and-exports-and-modules`
// pass renames them in the wasm and prints the old and new names; this module applies
// that map to the glue wasm-bindgen wrote (before esbuild minifies it) and to the
// wasm's type declarations, and fails rather than leave a name behind.
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { toolEnv } from "./lib.mjs";

/** wasm-opt's feature flags for what rustc's wasm32 target emits. */
const FEATURES = [
  "--enable-bulk-memory",
  "--enable-sign-ext",
  "--enable-reference-types",
  "--enable-multivalue",
  "--enable-nontrapping-float-to-int",
  "--enable-mutable-globals",
];

/** Escapes `text` for use inside a regular expression. */
function literal(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * Renames `old` to `name` wherever `pattern` (with `NAME` standing for the old name)
 * matches in `text`; throws when it matches nowhere, unless `optional`.
 */
function rename(text, pattern, old, name, optional = false) {
  const regex = new RegExp(pattern.replace("NAME", literal(old)), "g");
  let found = 0;
  const renamed = text.replace(regex, (match) => {
    found += 1;
    return match.replace(old, name);
  });
  if (found === 0 && !optional) throw new Error(`short names: "${old}" is not in the glue`);
  return renamed;
}

/**
 * Shortens the names in `wasmPath`, and renames them in the unminified glue `gluePath`
 * and in the declarations `typesPath`. The glue must be wasm-bindgen's `--target web`
 * output, which calls the exports as `wasm.name` and lists imports as `name: function`.
 */
export function shortenNames(wasmPath, gluePath, typesPath) {
  const opt = spawnSync(
    "wasm-opt",
    [wasmPath, "--minify-imports-and-exports-and-modules", ...FEATURES, "-o", wasmPath],
    { encoding: "utf8", env: toolEnv(), maxBuffer: 16 << 20 },
  );
  if (opt.status !== 0) throw new Error(`wasm-opt failed: ${opt.stderr}`);
  const map = JSON.parse(opt.stdout);

  let glue = readFileSync(gluePath, "utf8");
  let types = readFileSync(typesPath, "utf8");
  const modules = new Set();
  for (const [module, old, name] of map.imports) {
    glue = rename(glue, "(?<![\\w$])NAME(?=\\s*:\\s*function)", old, name);
    modules.add(module);
  }
  for (const [old, name] of map.exports) {
    // Some exports, such as `__externref_drop_slice`, are never called by the glue.
    glue = rename(glue, "(?<=\\bwasm\\.)NAME(?![\\w$])", old, name, true);
    types = types.replace(new RegExp(`(?<![\\w$])${literal(old)}(?=[:(])`, "g"), name);
  }
  const renamed = new WebAssembly.Module(readFileSync(wasmPath));
  const shortModules = new Set(WebAssembly.Module.imports(renamed).map((entry) => entry.module));
  if (modules.size !== 1 || shortModules.size !== 1) {
    throw new Error("short names: the wasm should import from one module");
  }
  glue = rename(glue, `"NAME"(?=\\s*:)`, [...modules.keys()][0], [...shortModules][0]);
  const left = glue.match(/__wbg_\w+_[0-9a-f]{16}\b/);
  if (left) throw new Error(`short names: ${left[0]} is still in the glue`);

  writeFileSync(gluePath, glue);
  writeFileSync(typesPath, types);
  return map.imports.length + map.exports.length;
}
