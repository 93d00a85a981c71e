// The faults the demo can script on the local gateway. Each job with a fault gets a scope
// of its own (`<gateway>/s/<scope>`), so one job's script never reaches another job.
// A gateway without the local gateway's control routes refuses every fault but "none".
// Chromium resends a request by itself when a reused connection closes unanswered, so a
// dropped connection often ends in one successful attempt; the gateway's log shows both.

/** The longest delay the local gateway accepts, in ms. */
const MAX_DELAY_MS = 600_000;

/**
 * The selector's choices. `script(timeoutMs)` gives the faults the scope's next requests
 * take; `config()` gives a scope setting instead.
 */
export const FAULTS = [
  { id: "none", label: "None" },
  {
    id: "503",
    label: "503, then success",
    script: () => [{ kind: "status", status: 503 }],
  },
  {
    id: "429",
    label: "429 with Retry-After: 2, then success",
    script: () => [{ kind: "status", status: 429, retry_after: "2" }],
  },
  {
    id: "500x5",
    label: "500 five times (gives up)",
    script: () => Array.from({ length: 5 }, () => ({ kind: "status", status: 500 })),
  },
  {
    id: "drop",
    label: "Dropped connection, then success",
    script: () => [{ kind: "drop" }],
  },
  {
    id: "slow",
    label: "Delay past the attempt timeout, then success",
    script: (timeoutMs) => [{ kind: "delay", ms: Math.min(timeoutMs + 5000, MAX_DELAY_MS) }],
  },
  {
    id: "malformed",
    label: "Malformed JSON",
    script: () => [{ kind: "malformed_json" }],
  },
  {
    id: "html",
    label: "HTML error page (502), then success",
    script: () => [{ kind: "html" }],
  },
  {
    id: "sse",
    label: "Streamed llm answer breaks after 3 tokens",
    script: () => [{ kind: "sse_error", after: 3 }],
  },
  {
    id: "data-urls",
    label: "No fault; media sent as data: URLs",
    config: () => ({ media: "data" }),
  },
  {
    id: "401",
    label: "401: the scope wants another key",
    config: () => ({ api_key: `demo-only-${randomHex(16)}` }),
  },
];

/**
 * The fault with this id, or the "none" choice.
 * @param {string} id
 */
export function findFault(id) {
  return FAULTS.find((fault) => fault.id === id) ?? FAULTS[0];
}

/**
 * Scripts `fault` on `scope` of the local gateway at `gatewayUrl`. Rejects with an
 * Error whose message says what went wrong when the gateway cannot be reached or
 * refuses the script.
 * @param {string} gatewayUrl
 * @param {string} scope
 * @param {object} fault one of FAULTS
 * @param {number} timeoutMs the attempt timeout, which a delay has to outlast
 */
export async function scriptFault(gatewayUrl, scope, fault, timeoutMs) {
  const base = `${gatewayUrl}/control/${scope}`;
  if (fault.script) await postJson(`${base}/faults`, fault.script(timeoutMs));
  if (fault.config) await postJson(`${base}/config`, fault.config());
}

/**
 * `bytes` random bytes as hex, for names and keys no one else uses.
 * @param {number} bytes
 * @returns {string}
 */
export function randomHex(bytes) {
  const values = crypto.getRandomValues(new Uint8Array(bytes));
  return Array.from(values, (b) => b.toString(16).padStart(2, "0")).join("");
}

async function postJson(url, body) {
  let response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
  } catch {
    throw new Error("could not reach the gateway's control routes to script the fault");
  }
  if (!response.ok) {
    throw new Error(`the gateway refused the fault script (HTTP ${response.status}); ` +
      "faults need the local gateway");
  }
}
