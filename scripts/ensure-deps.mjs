// Installs the npm dev dependencies when they are missing, so `npm start` and `npm test`
// work on a fresh clone without a separate `npm install`.
import { existsSync } from "node:fs";
import { run, ROOT } from "./lib.mjs";

const needed = ["binaryen", "playwright-core", "sirv"];
const missing = needed.filter((name) => !existsSync(`${ROOT}/node_modules/${name}/package.json`));
if (missing.length > 0) {
  console.log(`installing npm dev dependencies (${missing.join(", ")})`);
  await run("npm", ["install", "--no-audit", "--no-fund"]);
}
