// The gateway's OpenAPI spec as validators: each path's request body and each documented
// response status, checked with Ajv's JSON Schema 2020-12 draft. Errors come back as
// readable lines that name the field and the spec rule that failed.
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import Ajv2020Module from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";

const Ajv2020 = Ajv2020Module.default ?? Ajv2020Module;
const addFormats = addFormatsModule.default ?? addFormatsModule;

const SPEC_FILE = new URL("./gateway.openapi.yaml", import.meta.url);
const ASYNC_FLOW_FILE = new URL("./async-flow.yaml", import.meta.url);
const SPEC_ID = "gateway";

const SPEC = merge(
  parse(readFileSync(SPEC_FILE, "utf8")),
  parse(readFileSync(ASYNC_FLOW_FILE, "utf8")),
);

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addFormat("binary", true);
ajv.addSchema(SPEC, SPEC_ID);

/**
 * The spec path a request URL path addresses, with or without the local gateway's
 * `/s/<scope>` prefix and a query; `null` for any other path.
 */
export function specPath(urlPath) {
  const bare = urlPath.split("?")[0].replace(/^\/s\/[^/]+(?=\/)/, "");
  return SPEC.paths[bare] ? bare : null;
}

/** The content types the spec accepts as the request body of `path`'s POST. */
export function requestContentTypes(path) {
  return Object.keys(operation(path)?.requestBody?.content ?? {});
}

/** The statuses the spec documents for `path`'s POST, as strings. */
export function documentedStatuses(path) {
  return Object.keys(operation(path)?.responses ?? {});
}

/**
 * The request body schema of `path` for `contentType`, its `$ref` resolved, or
 * `undefined` when the spec has none.
 */
export function requestSchema(path, contentType) {
  const schema = operation(path)?.requestBody?.content?.[contentType]?.schema;
  return schema && resolve(schema);
}

/**
 * Checks a request body (parsed JSON, or the fields of a multipart form as `readForm`
 * gives them) against the spec. Besides the schema's own rules, a property the schema
 * does not name is an error: the runner ignores it, so it is a setting with no effect.
 * Returns readable errors; an empty list means the body is valid.
 */
export function validateRequest(path, contentType, body) {
  const type = contentType.split(";")[0].trim().toLowerCase();
  const accepted = requestContentTypes(path);
  if (!accepted.includes(type)) {
    return [`content type ${type || "(none)"}: ${path} accepts ${accepted.join(", ")}`];
  }
  const pointer = `#/paths/${escape(path)}/post/requestBody/content/${escape(type)}/schema`;
  const errors = check(pointer, body);
  const schema = requestSchema(path, type);
  if (body && typeof body === "object" && !Array.isArray(body) && schema.properties) {
    for (const name of Object.keys(body)) {
      if (!(name in schema.properties)) {
        errors.push(`${name}: not a property of ${schema.title} (${ruleOf(schema)})`);
      }
    }
  }
  return errors;
}

/**
 * Checks a parsed JSON response of `path` with HTTP `status` against the schema the spec
 * gives that status. An undocumented status is an error. Returns readable errors.
 */
export function validateResponse(path, status, json) {
  const statuses = documentedStatuses(path);
  if (!statuses.includes(String(status))) {
    return [`status ${status}: not documented for ${path} (only ${statuses.join(", ")})`];
  }
  const content = operation(path).responses[status].content ?? {};
  if (!content["application/json"]) {
    return [`status ${status}: the spec gives ${path} no JSON body for it`];
  }
  return check(`#/paths/${escape(path)}/post/responses/${status}/content/application~1json/schema`,
    json);
}

/** Checks `value` against the component schema `name` (e.g. `LLMResponse`). */
export function validateSchema(name, value) {
  return check(`#/components/schemas/${name}`, value);
}

/** `extra` laid over `base`, object by object; `extra` wins where both hold a value. */
function merge(base, extra) {
  if (!isObject(base) || !isObject(extra)) return extra;
  const merged = { ...base };
  for (const [key, value] of Object.entries(extra)) merged[key] = merge(base[key], value);
  return merged;
}

function isObject(value) {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function operation(path) {
  return SPEC.paths[path]?.post;
}

function check(pointer, value) {
  const validate = ajv.getSchema(`${SPEC_ID}${pointer}`);
  if (!validate) throw new Error(`the spec has no schema at ${pointer}`);
  if (validate(value)) return [];
  return validate.errors.map((error) => describe(pointer, error));
}

/**
 * One Ajv error as `field: message (rule)`, the rule as a pointer into the spec. Ajv
 * gives the rule's path either from the document's root or from the last `$ref` target.
 */
function describe(pointer, error) {
  const segments = error.instancePath.split("/").slice(1).map(unescape);
  const absolute = /^#\/(components|paths)\//.test(error.schemaPath);
  const base = absolute ? "#" : refAlong(pointerTarget(pointer), pointer, segments);
  const rule = `${base}${error.schemaPath.slice(1)}`;
  const missing = error.params?.missingProperty;
  const field = fieldName(missing === undefined ? segments : [...segments, missing]);
  const message = missing === undefined ? error.message : "is required";
  return `${field}: ${message} (${rule})`;
}

/**
 * Follows `segments` of an instance path through `schema` and returns the pointer of the
 * last `$ref` target reached, which is where Ajv's `schemaPath` starts.
 */
function refAlong(schema, pointer, segments) {
  let current = schema;
  let base = pointer;
  const follow = () => {
    while (current?.$ref) {
      base = current.$ref;
      current = pointerTarget(current.$ref);
    }
  };
  follow();
  for (const segment of segments) {
    if (current?.properties?.[segment]) current = current.properties[segment];
    else if (current?.items && /^\d+$/.test(segment)) current = current.items;
    else break;
    follow();
  }
  return base;
}

function resolve(schema) {
  let current = schema;
  while (current?.$ref) current = pointerTarget(current.$ref);
  return current;
}

function ruleOf(schema) {
  const name = Object.entries(SPEC.components.schemas).find(([, s]) => s === schema)?.[0];
  return name ? `#/components/schemas/${name}` : "the request schema";
}

function pointerTarget(pointer) {
  const parts = pointer.replace(/^#\/?/, "").split("/").filter(Boolean).map(unescape);
  return parts.reduce((node, part) => node?.[part], SPEC);
}

function fieldName(segments) {
  if (segments.length === 0) return "(body)";
  return segments.map((s, i) => (/^\d+$/.test(s) ? `[${s}]` : i === 0 ? s : `.${s}`)).join("");
}

function escape(part) {
  return part.replaceAll("~", "~0").replaceAll("/", "~1");
}

function unescape(part) {
  return part.replaceAll("~1", "/").replaceAll("~0", "~");
}
