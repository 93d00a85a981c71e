// Installs the npm dev dependencies when any is missing, so `npm start` and `npm test`
// work on a fresh clone without a separate `npm install`.
import { existsSync, readFileSync } from "node:fs";
import { run, ROOT } from "./lib.mjs";

const { devDependencies } = JSON.parse(readFileSync(`${ROOT}/package.json`, "utf8"));
const missing = Object.keys(devDependencies)
  .filter((name) => !existsSync(`${ROOT}/node_modules/${name}/package.json`));
if (missing.length > 0) {
  console.log(`installing npm dev dependencies (${missing.join(", ")})`);
  await run("npm", ["ci", "--no-audit", "--no-fund"]);
}
