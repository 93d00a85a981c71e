// The demo page: gateway settings, the job form, the job table and the event log around
// the wasm job service. The API key lives only in the password field and in the
// service; it is never stored, put in a URL or logged.
import init from "/pkg/comfyui_livepeer.js";
import { EventLog } from "./event-log.js";
import { FAULTS, findFault, randomHex, scriptFault } from "./faults.js";
import { LastMedia } from "./inputs.js";
import { JobForm } from "./job-form.js";
import { JobList } from "./job-list.js";
import { ServiceHandle, serviceConfig } from "./services.js";

const DEFAULT_GATEWAY = "http://127.0.0.1:8935";

const $ = (id) => document.getElementById(id);
const pageTag = randomHex(4);
const lastMedia = new LastMedia();
const form = new JobForm($("job-form"), lastMedia);
const events = new EventLog($("event-log"));
const jobs = new JobList($("jobs"), $("no-jobs"), (jobId, output) => {
  lastMedia.remember(jobId, output);
});
const onEvent = (event) => {
  events.add(event);
  jobs.onEvent(event);
};

let settings = null;
let pageService = null;
let jobCount = 0;

/** Reads the settings form; throws an Error naming a wrong field. */
function readSettings() {
  const gatewayUrl = $("gateway-url").value.trim().replace(/\/+$/, "");
  const attemptTimeoutMs = Number($("attempt-timeout").value);
  if (!Number.isInteger(attemptTimeoutMs) || attemptTimeoutMs < 1) {
    throw new Error("the attempt timeout must be a whole number of ms, 1 or more");
  }
  return { gatewayUrl, apiKey: $("api-key").value, attemptTimeoutMs };
}

/** Recreates the page's service from the settings form and frees the old one. */
function applySettings() {
  let next;
  let handle;
  try {
    next = readSettings();
    handle = new ServiceHandle(serviceConfig(next, next.gatewayUrl), onEvent);
  } catch (error) {
    $("service-status").textContent = `Not applied: ${describe(error)}`;
    return;
  }
  pageService?.free();
  pageService = handle;
  settings = next;
  const key = settings.apiKey ? "API key set" : "no API key";
  $("service-status").textContent =
    `Using ${settings.gatewayUrl} · ${key} · attempt timeout ${settings.attemptTimeoutMs} ms`;
}

/**
 * The service a new job runs in: the page's one, or for a fault, a new one aimed at a
 * fresh scope where the fault is scripted first.
 */
async function serviceFor(fault, seq) {
  if (fault.id === "none") return { handle: pageService, ownsService: false };
  const scope = `demo-${pageTag}-${seq}`;
  await scriptFault(settings.gatewayUrl, scope, fault, settings.attemptTimeoutMs);
  const config = serviceConfig(settings, `${settings.gatewayUrl}/s/${scope}`);
  return { handle: new ServiceHandle(config, onEvent), ownsService: true };
}

/** Starts one job from the form, sync (`run`) or async (`submit`). */
async function startJob(mode) {
  if (!pageService) {
    showMessage("Apply working gateway settings first.");
    return;
  }
  let request;
  try {
    request = form.read();
  } catch (error) {
    showMessage(`Not started: ${describe(error)}`);
    return;
  }
  const { pipeline, params } = request;
  const seq = ++jobCount;
  const fault = findFault($("fault").value);
  const nodeId = `node-${seq}`;
  showMessage("");

  let target;
  try {
    target = await serviceFor(fault, seq);
  } catch (error) {
    showMessage(`Job ${seq} not started: ${describe(error)}`);
    return;
  }
  const { handle, ownsService } = target;
  const job = { seq, nodeId, pipeline, params, mode, fault: fault.label, handle, ownsService };

  if (mode === "async") {
    try {
      jobs.add({ ...job, jobId: handle.service.submit(pipeline, params, { nodeId }) });
    } catch (error) {
      rejected(seq, error, target);
    }
    return;
  }

  const running = handle.service.run(pipeline, params, { nodeId });
  const status = handle.service.nodeStatus(nodeId);
  if (status) jobs.add({ ...job, jobId: status.jobId });
  try {
    const result = await running;
    jobs.showOutput(result.jobId, result.output);
  } catch (error) {
    rejected(seq, error, status ? null : target);
  }
}

/** Reports a rejected job; frees its own service when no job ever ran in it. */
function rejected(seq, error, unusedTarget) {
  showMessage(`Job ${seq} rejected: ${describe(error)}`);
  if (unusedTarget?.ownsService) unusedTarget.handle.free();
}

/** An error as a user reads it: a LivepeerError's kind comes along. */
function describe(error) {
  if (error?.name !== "LivepeerError") return error?.message ?? String(error);
  return `${error.kind}: ${error.message}`;
}

function showMessage(text) {
  $("form-message").textContent = text;
}

function setUp() {
  const fromQuery = new URLSearchParams(location.search).get("gateway");
  $("gateway-url").value = fromQuery ?? DEFAULT_GATEWAY;
  for (const fault of FAULTS) {
    $("fault").append(new Option(fault.label, fault.id));
  }
  $("settings").addEventListener("submit", (event) => {
    event.preventDefault();
    applySettings();
  });
  $("job-form").addEventListener("submit", (event) => event.preventDefault());
  $("run-sync").addEventListener("click", () => startJob("sync"));
  $("run-async").addEventListener("click", () => startJob("async"));
}

/** Loads the wasm module, then creates the page's service and enables the buttons. */
async function start() {
  setUp();
  try {
    await init();
  } catch (error) {
    $("service-status").textContent = `Could not load the job service: ${describe(error)}`;
    return;
  }
  applySettings();
  $("run-sync").disabled = false;
  $("run-async").disabled = false;
  document.body.dataset.ready = "true";
}

start();
