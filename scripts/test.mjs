// `npm test`: native tests, the relay's tests, browser tests of the wasm service against
// the local gateway in headless Chromium, then the release build: a smoke test through
// the demo page, the contract test against the gateway's OpenAPI spec, and end-to-end
// tests in the real ComfyUI frontend.
import {
  buildGateway, buildWasm, checkToolchain, ROOT, run, startGateway, toolEnv,
} from "./lib.mjs";

const CHROMEDRIVER = process.env.CHROMEDRIVER ?? "/usr/bin/chromedriver";

async function step(title, action) {
  console.log(`\n=== ${title}`);
  const started = Date.now();
  await action();
  console.log(`=== ${title}: ok (${((Date.now() - started) / 1000).toFixed(1)} s)`);
}

try {
  checkToolchain();
} catch (error) {
  console.error(error.message);
  process.exit(1);
}
await step("native tests (cargo test --workspace)", () => run("cargo", ["test", "--workspace"]));
await step("relay tests (pytest)", () => run("python3", ["-m", "pytest", "-q"], {
  env: toolEnv({ LIVEPEER_GATEWAY_BIN: `${ROOT}/target/debug/livepeer-local-gateway` }),
}));

const gateway = await startGateway(await buildGateway());
try {
  await step("browser tests (wasm-pack test, headless Chromium)", () =>
    run("wasm-pack", [
      "test", "--headless", "--chrome", "--chromedriver", CHROMEDRIVER, "--mode", "no-install",
      "--", "--lib", "--test", "browser", "--test", "pipelines", "--test", "async_jobs",
      "--test", "budget", "--", "--nocapture",
    ], {
      env: toolEnv({ TEST_GATEWAY_URL: gateway.url, WASM_BINDGEN_TEST_TIMEOUT: "300" }),
    }));
} finally {
  gateway.stop();
}

await step("release build (wasm-pack build, npm wasm-opt)", buildWasm);
await step("smoke, contract and ComfyUI end-to-end tests of the release build", () =>
  run("node", [
    "--test", "--test-concurrency=1",
    "tests/extension/", "tests/smoke/", "tests/contract/", "tests/e2e/",
  ]));
