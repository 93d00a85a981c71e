// The extension's settings, in the "Livepeer" category: the gateway URL and API key
// (both held by the relay on the ComfyUI server), retries and timeouts, automatic
// requeue and debug logging.
import { apiKeyRenderer } from "./api-key-setting.js";
import { readRelayConfig, writeRelayConfig } from "./relay-config.js";

/** Setting ids. */
export const SETTING = {
  gatewayUrl: "Livepeer.Gateway.URL",
  apiKey: "Livepeer.Gateway.APIKey",
  attemptTimeout: "Livepeer.Requests.AttemptTimeout",
  maxRetries: "Livepeer.Requests.MaxRetries",
  autoRequeue: "Livepeer.Run.AutoRequeue",
  debug: "Livepeer.Debug.Logging",
};

/**
 * The settings to register.
 * @param {object} options
 * @param {any} options.api ComfyUI's api
 * @param {(toast: {severity: string, summary: string, detail?: string, life?: number})
 *   => void} options.toast
 * @param {() => void} options.onServiceChange a setting the service is built from changed
 * @param {(enabled: boolean) => void} options.onAutoRequeue
 */
export function settingsList({ api, toast, onServiceChange, onAutoRequeue }) {
  const changed = (handler) => (value, old) => {
    if (old !== undefined && value !== old) handler(value, old);
  };
  let restoring = null;
  const changeGateway = async (url) => {
    if (url === restoring) return;
    const used = await sendGateway(api, url, toast);
    if (used === undefined || used === url) return;
    restoring = used;
    try {
      await writeSetting(SETTING.gatewayUrl, used);
    } finally {
      restoring = null;
    }
  };
  const report = (message, problem) => toast({
    severity: problem ? "error" : "success", summary: "Livepeer API key", detail: message,
    life: problem ? 8000 : 3000,
  });
  return [
    {
      id: SETTING.gatewayUrl,
      category: ["Livepeer", "Gateway", "URL"],
      name: "Gateway URL",
      tooltip: "The Livepeer gateway the ComfyUI server sends jobs to. Empty uses the "
        + "server's default. Moving to another host forgets a stored API key.",
      type: "text",
      attrs: { placeholder: "the server's default" },
      defaultValue: "",
      sortOrder: 2,
      onChange: changed((value) => changeGateway(String(value ?? "").trim())),
    },
    {
      id: SETTING.apiKey,
      category: ["Livepeer", "Gateway", "API key"],
      name: "API key",
      tooltip: "Sent to the ComfyUI server, which keeps it and adds it to gateway "
        + "requests. It is never stored in settings, workflows or images.",
      type: apiKeyRenderer(api, report),
      defaultValue: "",
      sortOrder: 1,
    },
    {
      id: SETTING.attemptTimeout,
      category: ["Livepeer", "Requests", "Attempt timeout"],
      name: "Attempt timeout (seconds)",
      tooltip: "One request to the gateway is given up after this long, then retried.",
      type: "number",
      attrs: { min: 1, max: 3600, step: 1 },
      defaultValue: 180,
      onChange: changed(onServiceChange),
    },
    {
      id: SETTING.maxRetries,
      category: ["Livepeer", "Requests", "Max retries"],
      name: "Max retries",
      tooltip: "Retries after server errors, network errors and timeouts. 400, 401, "
        + "403, 404 and 422 answers are never retried.",
      type: "number",
      attrs: { min: 0, max: 20, step: 1 },
      defaultValue: 3,
      onChange: changed(onServiceChange),
    },
    {
      id: SETTING.autoRequeue,
      category: ["Livepeer", "Run", "Automatic requeue"],
      name: "Queue the graph again when Livepeer jobs finish",
      type: "boolean",
      defaultValue: true,
      onChange: changed((value) => onAutoRequeue(Boolean(value))),
    },
    {
      id: SETTING.debug,
      category: ["Livepeer", "Debug", "Logging"],
      name: "Log each job state change to the browser console",
      type: "boolean",
      defaultValue: false,
      onChange: changed(onServiceChange),
    },
  ];
}

/**
 * Sends a new gateway URL to the relay. Resolves with undefined once the relay took it;
 * when it refused it, shows why and resolves with the URL the relay still uses (or
 * undefined when even that cannot be read).
 */
async function sendGateway(api, url, toast) {
  const before = await readRelayConfig(api).catch(() => null);
  try {
    const after = await writeRelayConfig(api, { gateway_url: url });
    if (before?.api_key_set && before.api_key_source === "file" && !after.api_key_set) {
      toast({
        severity: "warn",
        summary: "Livepeer API key forgotten",
        detail: `The gateway moved to another host (${after.gateway_url}), so the stored `
          + "key was forgotten: a key only goes to the gateway it was set for. Set it again.",
        life: 12000,
      });
    }
    return undefined;
  } catch (error) {
    toast({ severity: "error", summary: "Livepeer gateway URL", detail: error.message,
      life: 10000 });
  }
  const current = await readRelayConfig(api).catch(() => before);
  return current?.gateway_url;
}

/**
 * Writes a setting through ComfyUI's setting store; its onChange runs as for the user.
 * Does nothing in a page without one.
 */
async function writeSetting(id, value) {
  const app = globalThis.app ?? globalThis.comfyAPI?.app?.app;
  const store = app?.extensionManager?.setting;
  if (store?.set) await store.set(id, value);
  else await app?.ui?.settings?.setSettingValueAsync?.(id, value);
}

/**
 * The service options the settings give.
 * @param {(id: string) => unknown} get reads a setting
 */
export function serviceOptions(get) {
  const seconds = Number(get(SETTING.attemptTimeout));
  const retries = Number(get(SETTING.maxRetries));
  return {
    retry: {
      attemptTimeoutMs: Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 180_000,
      maxRetries: Number.isInteger(retries) && retries >= 0 ? retries : 3,
    },
    debug: Boolean(get(SETTING.debug)),
    autoRequeue: get(SETTING.autoRequeue) !== false,
  };
}
