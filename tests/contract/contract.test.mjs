// Contract test: every request the job service builds and every answer the local gateway
// sends must validate against the gateway's OpenAPI spec (gateway.openapi.yaml here).
// The release wasm package runs in Node; a validating proxy on 127.0.0.1 sits between it
// and the local gateway and records each exchange. Each test uses its own gateway scope
// (`/s/<scope>/...`), so its exchanges are told apart by path.
//
// Needs pkg/ built first: `npm run build && node --test tests/contract/`.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { buildGateway, startGateway } from "../../scripts/lib.mjs";
import { form, json, PIPELINES } from "./pipelines.mjs";
import { startProxy } from "./proxy.mjs";
import { formatTable, verdict } from "./report.mjs";
import { loadService } from "./run-in-node.mjs";

let JobService;
let gateway;
let proxy;
const rows = [];

before(async () => {
  ({ JobService } = await loadService());
  gateway = await startGateway(await buildGateway());
  proxy = await startProxy(gateway.url);
});

after(async () => {
  await proxy?.stop();
  gateway?.stop();
});

describe("requests the service builds, and the answers it gets", () => {
  for (const pipeline of PIPELINES) {
    test(pipeline.name, async () => {
      const scope = `service-${pipeline.name}`;
      const service = newService(scope);
      let outcome;
      try {
        outcome = await settle(() => service.run(pipeline.name, pipeline.params()));
      } finally {
        service.free();
      }
      const records = recordsOf(scope);
      const row = { pipeline: pipeline.name, via: "service", ...verdicts(records) };
      rows.push(row);

      assertNoErrors(records, "requestErrors");
      assert.ok(records.length > 0, "the service's request went through the proxy");
      assertNoErrors(records, "responseErrors");
      assert.equal(outcome.error, undefined, `the job failed: ${describeError(outcome.error)}`);
      assert.equal(typeof outcome.result.jobId, "string");
      assert.ok(outcome.result.output, "the result has an output");
    });
  }
});

describe("answers the gateway sends to valid requests", () => {
  const cases = [
    ...PIPELINES.map(({ name, request }) => ({ name, path: `/${name}`, init: request() })),
    {
      name: "llm (stream)",
      path: "/llm",
      init: json({ messages: [{ role: "user", content: "Say hello." }], stream: true }),
    },
  ];
  for (const { name, path, init } of cases) {
    test(name, async () => {
      const scope = `gateway-${name.replace(/\W+/g, "-")}`;
      const { response, text, record } = await send(scope, path, init);
      const row = { pipeline: name, via: "gateway", ...verdicts([record]) };
      rows.push(row);

      assert.deepEqual(record.requestErrors, [], "the hand-built request is valid");
      assert.equal(response.status, 200, text);
      assert.deepEqual(record.responseErrors, []);
    });
  }
});

describe("error answers of the gateway", () => {
  test("a missing field gets 422 with an HTTPValidationError", async () => {
    const { response, text, record } = await send("errors-422", "/text-to-image",
      json({ model_id: "", width: 64 }));

    assert.equal(response.status, 422, text);
    assert.deepEqual(record.responseErrors, []);
    assert.match(JSON.parse(text).detail[0].loc.join("."), /body\.prompt/);
  });

  for (const { name, request } of PIPELINES) {
    test(`${name}: a body without its required fields gets 422`, async () => {
      const init = request().body instanceof FormData ? form({ model_id: "" }) : json({});
      const { response, text, record } = await send(`errors-422-${name}`, `/${name}`, init);

      assert.notDeepEqual(record.requestErrors, [], "the body is invalid per the spec");
      assert.equal(response.status, 422, text);
      assert.deepEqual(record.responseErrors, []);
    });
  }

  test("a missing or wrong key gets 401 with an HTTPError", async () => {
    const scope = "errors-401";
    const config = await fetch(`${proxy.url}/control/${scope}/config`,
      json({ api_key: "k" }));
    assert.equal(config.status, 200, await config.text());
    const valid = { model_id: "", prompt: "a fox", width: 16, height: 16 };

    for (const authorization of [undefined, "Bearer wrong"]) {
      const init = json(valid);
      if (authorization) init.headers.Authorization = authorization;
      const { response, text, record } = await send(scope, "/text-to-image", init);
      assert.equal(response.status, 401, text);
      assert.equal(response.headers.get("access-control-allow-origin"), "*");
      assert.deepEqual(record.requestErrors, []);
      assert.deepEqual(record.responseErrors, []);
    }

    const service = newService(scope, { apiKey: "wrong" });
    const { error } = await settle(() => service.run("text-to-image", { prompt: "a fox" }));
    service.free();
    assert.equal(error?.kind, "unauthorized", describeError(error));
    const last = recordsOf(scope).at(-1);
    assert.equal(last.status, 401);
    assert.deepEqual([...last.requestErrors, ...last.responseErrors], []);

    const authorized = json(valid);
    authorized.headers.Authorization = "Bearer k";
    const { response, record } = await send(scope, "/text-to-image", authorized);
    assert.equal(response.status, 200);
    assert.deepEqual(record.responseErrors, []);
  });

  test("scripted 400 and 500 answers are HTTPErrors", async () => {
    const scope = "errors-scripted";
    const faults = [{ kind: "status", status: 400 }, { kind: "status", status: 500 }];
    const queued = await fetch(`${proxy.url}/control/${scope}/faults`, json(faults));
    assert.equal(queued.status, 200, await queued.text());

    for (const status of [400, 500]) {
      const { response, record } = await send(scope, "/text-to-image",
        json({ model_id: "", prompt: "a fox" }));
      assert.equal(response.status, status);
      assert.deepEqual(record.responseErrors, []);
    }
  });
});

describe("the validator can fail", () => {
  test("a JSON body with a missing field, a wrong type and a typo", async () => {
    const body = { model_id: "", width: "x", widht: 64 };
    const { record } = await send("negative-json", "/text-to-image", json(body));

    const errors = record.requestErrors.join("\n");
    assert.match(errors, /^prompt: is required/m);
    assert.match(errors, /^width: must be integer .*TextToImageParams\/properties\/width\/type/m);
    assert.match(errors, /^widht: not a property of TextToImageParams/m);
  });

  test("a multipart body with text for a file and a seed that is no integer", async () => {
    const init = form({ prompt: "p", image: "not a file", model_id: "", seed: "abc" });
    const { record } = await send("negative-form", "/image-to-image", init);

    const errors = record.requestErrors.join("\n");
    assert.match(errors, /^image: must be an uploaded file/m);
    assert.match(errors, /^image: is required/m);
    assert.match(errors, /^seed: must be integer/m);
  });

  test("a JSON body sent as multipart", async () => {
    const init = form({ model_id: "", prompt: "a fox" });
    const { record } = await send("negative-type", "/text-to-image", init);

    assert.match(record.requestErrors.join("\n"), /content type multipart\/form-data/);
  });

  test("an answer of the wrong shape", async () => {
    const scope = "negative-answer";
    const faults = [{ kind: "wrong_shape" }, { kind: "malformed_json" }];
    const queued = await fetch(`${proxy.url}/control/${scope}/faults`, json(faults));
    assert.equal(queued.status, 200, await queued.text());
    const valid = json({ model_id: "", prompt: "a fox" });

    const wrong = await send(scope, "/text-to-image", valid);
    assert.match(wrong.record.responseErrors.join("\n"), /^images\[0\]\.url: must be string/m);
    const malformed = await send(scope, "/text-to-image", json({ model_id: "", prompt: "x" }));
    assert.match(malformed.record.responseErrors.join("\n"), /^\(body\): not JSON/m);
  });
});

describe("the proxy", () => {
  test("passes answers back unchanged, end-to-end headers included", async () => {
    const init = () => json({ model_id: "", prompt: 5 });
    const direct = await fetch(`${gateway.url}/s/proxy-direct/text-to-image`, init());
    const { response, text } = await send("proxy-direct", "/text-to-image", init());

    assert.equal(response.status, direct.status);
    assert.equal(text, await direct.text());
    const perConnection = new Set(["date", "connection", "keep-alive"]);
    const headers = (answer) => [...answer.headers].filter(([name]) => !perConnection.has(name));
    assert.deepEqual(headers(response), headers(direct));
  });
});

test("summary", (t) => {
  for (const line of formatTable(rows).split("\n")) t.diagnostic(line);
});

function newService(scope, extra = {}) {
  return new JobService({
    gatewayUrl: `${proxy.url}/s/${scope}`,
    sweepIntervalMs: 0,
    retry: { maxRetries: 0, maxRateLimitRetries: 0 },
    ...extra,
  });
}

/** Sends one request through the proxy and returns the answer, its text and the record. */
async function send(scope, path, init) {
  const url = `/s/${scope}${path}`;
  const before = proxy.records.length;
  const response = await fetch(`${proxy.url}${url}`, init);
  const text = await response.text();
  const record = proxy.records.slice(before).find((entry) => entry.path === url);
  assert.ok(record, `the proxy recorded ${url}`);
  return { response, text, record };
}

/** Resolves with `{result}` or `{error}`, whether `start` throws or its promise rejects. */
async function settle(start) {
  try {
    return { result: await start() };
  } catch (error) {
    return { error };
  }
}

function recordsOf(scope) {
  return proxy.records.filter((record) => record.path.startsWith(`/s/${scope}/`));
}

function verdicts(records) {
  return {
    request: verdict(records, "requestErrors"),
    response: verdict(records, "responseErrors"),
  };
}

function assertNoErrors(records, key) {
  const errors = records.flatMap((record) => record[key].map((e) => `${record.path}: ${e}`));
  assert.deepEqual(errors, [], `${key} of the proxied exchanges`);
}

function describeError(error) {
  if (!error) return "no error";
  return `${error.name} ${error.kind ?? ""} ${error.status ?? ""} ${error.field ?? ""}: ` +
    `${error.message}`;
}
