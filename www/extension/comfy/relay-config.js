// The relay's configuration on the ComfyUI server (`/livepeer/config`): the gateway URL
// and whether an API key is set, and where from. The key goes to the server and is
// never read back.

/**
 * @typedef {object} RelayConfig
 * @property {string} gateway_url
 * @property {boolean} api_key_set
 * @property {"env" | "file" | null} api_key_source
 */

/**
 * Reads the relay's configuration. Rejects with an Error carrying the relay's message.
 * @param {any} api ComfyUI's api
 * @returns {Promise<RelayConfig>}
 */
export async function readRelayConfig(api) {
  return answer(await api.fetchApi("/livepeer/config"));
}

/**
 * Changes the relay's configuration (`{gateway_url}` or `{api_key}`; "" forgets one).
 * Resolves with the new configuration; rejects with an Error carrying the relay's
 * message, which never holds the key.
 * @param {any} api ComfyUI's api
 * @param {{gateway_url?: string, api_key?: string}} change
 * @returns {Promise<RelayConfig>}
 */
export async function writeRelayConfig(api, change) {
  const response = await api.fetchApi("/livepeer/config", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(change),
  });
  return answer(response);
}

async function answer(response) {
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  if (response.ok && body) return body;
  const message = body?.detail?.msg ?? `the Livepeer relay answered ${response.status}`;
  throw new Error(message);
}

/**
 * A line on the key (whether one is set and where it comes from) and the gateway.
 * @param {RelayConfig} config
 */
export function describeKey(config) {
  const gateway = ` Gateway: ${config.gateway_url}`;
  if (!config.api_key_set) return `No API key is set.${gateway}`;
  if (config.api_key_source === "env") {
    return `A key is set by LIVEPEER_API_KEY on the ComfyUI server.${gateway}`;
  }
  return `A key is stored on the ComfyUI server.${gateway}`;
}
