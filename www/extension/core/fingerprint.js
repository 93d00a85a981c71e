// Fingerprints: a short text that changes whenever what a Livepeer node would send
// changes (its pipeline, its widget values, where its inputs come from), and stays the
// same otherwise, so a node runs a new job only when something it depends on changed.
//
// Pure functions: no DOM, no ComfyUI.

/**
 * JSON with object keys sorted at every depth, so equal values give equal text.
 * `undefined` members are left out, as JSON.stringify does.
 * @param {unknown} value
 * @returns {string}
 */
export function stableStringify(value) {
  if (Array.isArray(value)) return `[${value.map((item) => stableStringify(item ?? null))}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.keys(value).sort()
      .filter((key) => value[key] !== undefined)
      .map((key) => `${JSON.stringify(key)}:${stableStringify(value[key])}`);
    return `{${entries.join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/**
 * A 53-bit hash of a text (cyrb53), as 14 hex digits.
 * @param {string} text
 * @returns {string}
 */
export function hashText(text) {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ code, 2654435761);
    h2 = Math.imul(h2 ^ code, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  const high = (h2 >>> 0) & 0x1fffff;
  return high.toString(16).padStart(6, "0") + (h1 >>> 0).toString(16).padStart(8, "0");
}

/**
 * The fingerprint of one Livepeer node.
 * @param {string} pipeline
 * @param {Record<string, unknown>} widgets the widget values that go into the job
 * @param {Record<string, unknown>} sources each input's source descriptor, by input name
 * @returns {string}
 */
export function nodeFingerprint(pipeline, widgets, sources) {
  return hashText(stableStringify({ pipeline, widgets, sources }));
}

/**
 * The part of an API prompt that produces `nodeId`'s outputs: the node and everything
 * upstream of it, as stable JSON. Two runs that give the same text feed the same data
 * into a node (ComfyUI caches on the same rule). Unknown ids are left out.
 * @param {Record<string, {class_type: string, inputs: Record<string, unknown>}>} output
 * @param {string} nodeId
 * @returns {string}
 */
export function upstreamText(output, nodeId) {
  const seen = new Map();
  const visit = (id) => {
    if (seen.has(id) || !output[id]) return;
    const { class_type: classType, inputs } = output[id];
    seen.set(id, { class_type: classType, inputs });
    for (const value of Object.values(inputs ?? {})) {
      if (isLink(value)) visit(String(value[0]));
    }
  };
  visit(String(nodeId));
  return stableStringify(Object.fromEntries(seen));
}

/**
 * Whether a prompt input value is a link `[nodeId, slot]`.
 * @param {unknown} value
 */
export function isLink(value) {
  return Array.isArray(value) && value.length === 2
    && (typeof value[0] === "string" || typeof value[0] === "number")
    && Number.isInteger(value[1]);
}
