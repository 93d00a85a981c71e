// The job services the page runs jobs in.
//
// Jobs without a fault share the page's service, which Apply recreates; freeing the old
// one cancels the jobs still pending in it. A fault is scripted on a gateway scope and a
// service talks to one gateway URL, so each job with a fault runs in a service of its
// own, aimed at `<gateway>/s/<scope>`, which the job list frees once the job has ended.
import { JobService } from "/pkg/comfyui_livepeer.js";

/** A JobService that remembers whether it was freed, so no one calls into it after. */
export class ServiceHandle {
  /**
   * Creates the service and subscribes `onEvent` to its JobEvents. Throws the
   * service's LivepeerError when the configuration is wrong.
   * @param {import("/pkg/comfyui_livepeer.js").ServiceConfig} config
   * @param {(event: import("/pkg/comfyui_livepeer.js").JobEvent) => void} onEvent
   */
  constructor(config, onEvent) {
    this.service = new JobService(config);
    this.alive = true;
    this.service.subscribe(onEvent);
  }

  /** Frees the service once; its pending jobs end as cancelled. */
  free() {
    if (!this.alive) return;
    this.alive = false;
    this.service.free();
  }
}

/**
 * The settings the form holds, as a ServiceConfig aimed at `gatewayUrl`. The API key is
 * left out when empty.
 * @param {{apiKey: string, attemptTimeoutMs: number}} settings
 * @param {string} gatewayUrl
 */
export function serviceConfig(settings, gatewayUrl) {
  const config = { gatewayUrl, retry: { attemptTimeoutMs: settings.attemptTimeoutMs } };
  if (settings.apiKey) config.apiKey = settings.apiKey;
  return config;
}
