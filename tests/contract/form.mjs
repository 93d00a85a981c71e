// Multipart bodies read the way the runner's FastAPI reads them, so that they can be
// checked against a JSON schema: text fields are coerced to the schema's integer, number
// or boolean type as pydantic does, and uploaded files stand for `format: binary`.

/** The texts pydantic reads as booleans, compared without regard to case. */
const TRUE_TEXTS = new Set(["1", "on", "t", "true", "y", "yes"]);
const FALSE_TEXTS = new Set(["0", "off", "f", "false", "n", "no"]);

/**
 * Turns a parsed multipart body into a plain object for `schema` (an object schema with
 * `properties`). A `format: binary` property must be a non-empty file and becomes a
 * placeholder string; a text that does not parse as its property's type stays a string,
 * so the schema check reports it. Returns `{fields, errors}`; `errors` lists what the
 * schema cannot express: files where text belongs, empty files, repeated fields.
 */
export function readForm(formData, schema) {
  const fields = {};
  const errors = [];
  const names = new Set(formData.keys());

  for (const name of names) {
    const values = formData.getAll(name);
    if (values.length > 1) errors.push(`${name}: sent ${values.length} times`);
    const value = values[values.length - 1];
    const property = schema.properties?.[name] ?? {};

    if (property.format === "binary") {
      if (!isFile(value)) {
        errors.push(`${name}: must be an uploaded file, not a text field`);
      } else if (value.size === 0) {
        errors.push(`${name}: the uploaded file is empty`);
      } else {
        fields[name] = `<${value.type || "file"}, ${value.size} bytes>`;
      }
      continue;
    }
    if (isFile(value)) {
      errors.push(`${name}: must be a text field, not an uploaded file`);
      continue;
    }
    fields[name] = coerce(value, property.type);
  }
  return { fields, errors };
}

function coerce(text, type) {
  const trimmed = text.trim();
  if (type === "integer" && /^[+-]?\d+$/.test(trimmed)) return Number(trimmed);
  if (type === "number" && trimmed !== "" && Number.isFinite(Number(trimmed))) {
    return Number(trimmed);
  }
  if (type === "boolean") {
    const lower = trimmed.toLowerCase();
    if (TRUE_TEXTS.has(lower)) return true;
    if (FALSE_TEXTS.has(lower)) return false;
  }
  return text;
}

function isFile(value) {
  return typeof value === "object" && value !== null && typeof value.size === "number";
}
