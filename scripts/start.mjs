// The demo: builds the release wasm, starts the local gateway and a static server on
// 127.0.0.1, and prints the demo page's URL. Ctrl-C stops everything.
import {
  buildGateway, buildWasm, checkToolchain, ROOT, serveStatic, startGateway,
} from "./lib.mjs";

try {
  checkToolchain();
} catch (error) {
  console.error(error.message);
  process.exit(1);
}

const port = Number(process.env.PORT ?? 8080);
await buildWasm();
const gateway = await startGateway(await buildGateway());
const site = await serveStatic(ROOT, port).catch(() => serveStatic(ROOT, 0));
const page = `${site.url}/www/demo/?gateway=${encodeURIComponent(gateway.url)}`;
console.log(`\nlocal gateway: ${gateway.url}`);
console.log(`demo page:     ${page}\n(Ctrl-C to stop)`);

const stop = () => {
  gateway.stop();
  site.stop();
  process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
