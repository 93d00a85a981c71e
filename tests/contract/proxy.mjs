// A recording, validating reverse proxy on 127.0.0.1 between a client and the gateway.
// Each request is forwarded byte for byte (method, path, headers, body) and each answer
// passed back unchanged, status and headers included; only the per-connection
// `Connection` and `Keep-Alive` headers are Node's own. Requests to a pipeline path of
// the spec are checked on the way in, their answers on the way out, and each exchange is
// recorded as `{method, path, specPath, status, requestErrors, responseErrors}`.
import { createServer, request as httpRequest } from "node:http";
import { checkRequest, checkResponse } from "./exchange.mjs";
import { specPath } from "./spec.mjs";

/**
 * Starts a proxy to `gatewayUrl` (an `http://127.0.0.1:<port>` URL) on a free port of
 * 127.0.0.1. Resolves with `{url, records, stop}`; `records` grows by one entry per
 * checked exchange, complete before the client sees the end of the answer. A gateway
 * that drops the connection gets the client's connection dropped too, recorded with
 * `status: null`.
 */
export async function startProxy(gatewayUrl) {
  const target = new URL(gatewayUrl);
  if (target.hostname !== "127.0.0.1") throw new Error(`not a loopback gateway: ${gatewayUrl}`);
  const records = [];
  const server = createServer((req, res) => relay(target, req, res, records));
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const stop = () => new Promise((resolve) => {
    server.close(resolve);
    server.closeAllConnections();
  });
  return { url: `http://127.0.0.1:${server.address().port}`, records, stop };
}

async function relay(target, req, res, records) {
  const body = await readAll(req);
  const path = req.method === "POST" ? specPath(req.url) : null;
  const record = path && {
    method: req.method,
    path: req.url,
    specPath: path,
    status: null,
    requestErrors: await checkRequest(path, req.headers, body),
    responseErrors: [],
  };

  let recorded = false;
  const finish = (status, responseErrors) => {
    if (!record || recorded) return;
    recorded = true;
    record.status = status;
    record.responseErrors.push(...responseErrors);
    records.push(record);
  };

  const upstream = httpRequest({
    host: target.hostname,
    port: target.port,
    method: req.method,
    path: req.url,
    headers: req.rawHeaders,
  });
  res.on("close", () => {
    if (!res.writableFinished) upstream.destroy();
  });
  upstream.on("error", () => {
    finish(null, []);
    res.destroy();
  });
  upstream.on("response", (answer) => {
    res.writeHead(answer.statusCode, answer.statusMessage, answer.rawHeaders);
    const chunks = [];
    answer.on("data", (chunk) => {
      if (record) chunks.push(chunk);
      res.write(chunk);
    });
    answer.on("error", () => {
      finish(null, []);
      res.destroy();
    });
    answer.on("end", () => {
      const errors = record
        ? checkResponse(path, answer.statusCode, answer.headers, Buffer.concat(chunks))
        : [];
      finish(answer.statusCode, errors);
      res.end();
    });
  });
  upstream.end(body);
}

function readAll(stream) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    stream.on("data", (chunk) => chunks.push(chunk));
    stream.on("end", () => resolve(Buffer.concat(chunks)));
    stream.on("error", reject);
  });
}
