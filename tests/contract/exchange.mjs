// What the proxy checks in one exchange with the gateway: the request body as the spec
// asks for it, and the answer against the schema the spec gives its status.
import { readForm } from "./form.mjs";
import { requestSchema, validateRequest, validateResponse, validateSchema } from "./spec.mjs";

/**
 * Checks the raw request to spec path `path`: its content type, its body (JSON, or a
 * multipart form read as FastAPI reads it) and, when present, that `Authorization` is a
 * bearer token as the spec's `HTTPBearer` scheme asks. Resolves with readable errors.
 */
export async function checkRequest(path, headers, body) {
  const errors = [];
  const auth = headers.authorization;
  if (auth !== undefined && !/^Bearer \S+$/i.test(auth)) {
    errors.push("Authorization: not a bearer token (#/components/securitySchemes/HTTPBearer)");
  }

  const contentType = headers["content-type"] ?? "";
  const type = contentType.split(";")[0].trim().toLowerCase();
  if (type === "application/json") {
    const json = parseJson(body);
    if (json.error) return [...errors, `(body): not JSON (${json.error})`];
    return [...errors, ...validateRequest(path, type, json.value)];
  }
  if (type === "multipart/form-data" && requestSchema(path, type)) {
    const form = await parseForm(contentType, body);
    if (form.error) return [...errors, `(body): not a multipart form (${form.error})`];
    const { fields, errors: formErrors } = readForm(form.value, requestSchema(path, type));
    return [...errors, ...formErrors, ...validateRequest(path, type, fields)];
  }
  return [...errors, ...validateRequest(path, type, undefined)];
}

/**
 * Checks the gateway's answer to a request for spec path `path`: a JSON body against the
 * schema of its status; for `/llm`, a `text/event-stream` body event by event against
 * `LLMResponse`. Any other body is an error. Returns readable errors.
 */
export function checkResponse(path, status, headers, body) {
  const type = String(headers["content-type"] ?? "").split(";")[0].trim().toLowerCase();
  if (type === "application/json") {
    const json = parseJson(body);
    if (json.error) return [`(body): not JSON (${json.error})`];
    return validateResponse(path, status, json.value);
  }
  if (type === "text/event-stream" && path === "/llm" && status === 200) {
    return checkEventStream(body.toString("utf8"));
  }
  return [`content type ${type || "(none)"}: the spec documents application/json answers`];
}

/**
 * Checks each `data:` event of an LLM stream; the last one must be `[DONE]`. An error
 * that several events share is reported once, with how many events have it.
 */
function checkEventStream(text) {
  const events = text.split(/\r?\n\r?\n/).map(eventData).filter((data) => data !== null);
  const errors = [];
  if (events.at(-1) !== "[DONE]") errors.push("(stream): does not end with data: [DONE]");
  const chunks = events.slice(0, -1);
  const seen = new Map();
  chunks.forEach((data, index) => {
    const json = parseJson(Buffer.from(data));
    const found = json.error
      ? [`not JSON (${json.error})`]
      : validateSchema("LLMResponse", json.value);
    for (const error of found) seen.set(error, [...(seen.get(error) ?? []), index]);
  });
  for (const [error, indexes] of seen) {
    const where = indexes.length === 1
      ? `event ${indexes[0]}`
      : `${indexes.length} of ${chunks.length} events, first ${indexes[0]}`;
    errors.push(`(${where}) ${error}`);
  }
  return errors;
}

function eventData(block) {
  const lines = block.split(/\r?\n/).filter((line) => line.startsWith("data:"));
  if (lines.length === 0) return null;
  return lines.map((line) => line.slice(5).replace(/^ /, "")).join("\n");
}

function parseJson(buffer) {
  try {
    return { value: JSON.parse(buffer.toString("utf8")) };
  } catch (error) {
    return { error: error.message };
  }
}

async function parseForm(contentType, body) {
  try {
    const request = new Request("http://127.0.0.1/", {
      method: "POST",
      headers: { "content-type": contentType },
      body,
    });
    return { value: await request.formData() };
  } catch (error) {
    return { error: error.message };
  }
}
