// The page's job services. One is current: new jobs go to it. When the settings change
// a new one replaces it, and the old one is kept, still answering for its jobs, until
// none of them is pending or waiting to be delivered; then it is freed.
import init, { JobService } from "../pkg/comfyui_livepeer.js";

const LIVE_STATES = new Set(["queued", "submitting", "running", "completed"]);

/** The current job service and the ones it replaced that still hold live jobs. */
export class ServicePool {
  /**
   * @param {(event: import("../pkg/comfyui_livepeer.js").JobEvent) => void} onEvent
   *   called with every event of every service in the pool
   */
  constructor(onEvent) {
    this.onEvent = onEvent;
    this.current = null;
    this.retiring = new Set();
    this.jobsOf = new Map();
    this.subscriptions = new Map();
  }

  /**
   * Loads the wasm module, creates the first service and brings back the jobs an
   * earlier page saved. Rejects when the module cannot load or the config is wrong.
   * @param {import("../pkg/comfyui_livepeer.js").ServiceConfig} config
   * @returns {Promise<import("../pkg/comfyui_livepeer.js").RestoreSummary>}
   */
  async start(config) {
    await init();
    this.current = this.create(config);
    return this.current.restore();
  }

  /**
   * Makes a service with `config` the current one. The old one is freed at once when
   * it holds no live job, or later, once its last one ends. Throws the service's
   * LivepeerError when the config is wrong (the old one stays current then).
   * @param {import("../pkg/comfyui_livepeer.js").ServiceConfig} config
   */
  replace(config) {
    const next = this.create(config);
    if (this.current) this.retiring.add(this.current);
    this.current = next;
    this.retireIdle();
  }

  /** @private */
  create(config) {
    const service = new JobService(config);
    this.jobsOf.set(service, new Set());
    const subscription = service.subscribe((event) => {
      if (event.jobId) this.jobsOf.get(service)?.add(event.jobId);
      this.onEvent(event);
      if (this.retiring.has(service)) queueMicrotask(() => this.retireIdle());
    });
    this.subscriptions.set(service, subscription);
    return service;
  }

  /** Frees every retiring service whose jobs have all ended and been delivered. */
  retireIdle() {
    for (const service of this.retiring) {
      const live = [...this.jobsOf.get(service)]
        .some((jobId) => LIVE_STATES.has(service.status(jobId)?.state));
      if (live) continue;
      this.retiring.delete(service);
      service.unsubscribe(this.subscriptions.get(service));
      this.subscriptions.delete(service);
      this.jobsOf.delete(service);
      service.free();
    }
  }

  /** Every service in the pool, the current one first. */
  all() {
    return this.current ? [this.current, ...this.retiring] : [...this.retiring];
  }

  /**
   * The service that holds a job, or undefined. A job found is counted as that
   * service's, so a service is not freed while a job it brought back still runs.
   * @param {string | undefined} jobId
   */
  find(jobId) {
    if (!jobId) return undefined;
    const service = this.all().find((candidate) => candidate.status(jobId) !== undefined);
    this.jobsOf.get(service)?.add(jobId);
    return service;
  }

  /**
   * Starts a job in the current service; returns its id. Throws a LivepeerError on bad
   * input, or an Error when no service runs.
   * @param {string} pipeline
   * @param {Record<string, unknown>} params
   * @param {string} nodeId
   */
  submit(pipeline, params, nodeId) {
    if (!this.current) throw new Error("the Livepeer job service is not running");
    const jobId = this.current.submit(pipeline, params, { nodeId });
    this.jobsOf.get(this.current)?.add(jobId);
    return jobId;
  }

  /** A job's status, from whichever service holds it. */
  status(jobId) {
    return this.find(jobId)?.status(jobId);
  }

  /** A job's output, from whichever service holds it. */
  output(jobId) {
    return this.find(jobId)?.output(jobId);
  }

  /**
   * Makes a node use a job, in the service that holds it. False if none does.
   * @param {string} nodeId
   * @param {string} jobId
   */
  attach(nodeId, jobId) {
    const service = this.find(jobId);
    if (!service) return false;
    service.attachNode(nodeId, jobId);
    return true;
  }

  /** Marks a completed job delivered; false if it was not completed. */
  deliver(jobId) {
    return this.find(jobId)?.deliver(jobId) ?? false;
  }

  /** Cancels a pending job; false if there was nothing to stop. */
  cancel(jobId) {
    return this.find(jobId)?.cancel(jobId) ?? false;
  }

  /** Sends a job cut by a reload again; throws a LivepeerError if it cannot. */
  resubmit(jobId) {
    const service = this.find(jobId);
    if (!service) throw new Error(`no job ${jobId}`);
    service.resubmit(jobId);
  }

  /** Forgets a node in every service. */
  removeNode(nodeId) {
    for (const service of this.all()) service.removeNode(nodeId);
  }

  /** Tells every service the user started a run. */
  beginRun() {
    for (const service of this.all()) service.beginRun();
  }

  /** Tells every service the user interrupted: no automatic requeue until a new run. */
  stopRequeue() {
    for (const service of this.all()) service.stopRequeue();
  }

  /**
   * Changes the requeue rules of every service.
   * @param {import("../pkg/comfyui_livepeer.js").RequeuePolicy} policy
   */
  setAutoRequeue(policy) {
    for (const service of this.all()) service.setAutoRequeue(policy);
  }
}
