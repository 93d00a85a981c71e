// The comfyui-livepeer extension: Livepeer's AI pipelines as ComfyUI nodes, run by the
// wasm job service in this page through the relay on the ComfyUI server, which holds
// the API key. This module wires the features together; each lives in its own file.
import { app } from "../../scripts/app.js";
import { api } from "../../scripts/api.js";
import { nodeDef } from "./core/node-defs.js";
import { Captures } from "./comfy/captures.js";
import { InputFiles } from "./comfy/inputs.js";
import { JobStarter } from "./comfy/job-starter.js";
import { Lifecycle } from "./comfy/lifecycle.js";
import { NodeStatus } from "./comfy/node-status.js";
import { registerNodeTypes } from "./comfy/nodes.js";
import { ResultFiles } from "./comfy/results.js";
import { Runner } from "./comfy/runner.js";
import { ServicePool } from "./comfy/service-pool.js";
import { serviceOptions, settingsList } from "./comfy/settings.js";
import { showToast } from "./comfy/toasts.js";
import { JOB_PROPERTY } from "./comfy/graph-view.js";

const PERSIST_DB = "comfyui-livepeer";
const RECREATE_DELAY_MS = 500;

const toast = (options) => showToast(app, options);
const root = () => app.rootGraph ?? app.graph;
const livepeerNodes = () => (root()?.nodes ?? []).filter((node) => nodeDef(node.type));

const pool = new ServicePool((event) => onJobEvent(event));
const status = new NodeStatus({ app, jobs: pool, toast, livepeerNodes });
const inputs = new InputFiles(api, pool);
const results = new ResultFiles(api, pool);
const lifecycle = new Lifecycle({ app, pool, livepeerNodes });
const changed = () => {
  root()?.setDirtyCanvas?.(true, true);
  const tracker = app.extensionManager?.workflow?.activeWorkflow?.changeTracker;
  if (tracker?.captureCanvasState) tracker.captureCanvasState();
  else tracker?.checkState?.();
};
const starter = new JobStarter({
  pool, inputs, status, livepeerNodes, changed,
  nodeOf: (run, nodeId) => runner.nodeOf(run, nodeId),
});
const captures = new Captures(inputs, () => starter.retryWaiting(), (message) => toast({
  severity: "error", summary: "Livepeer: an input could not be read", detail: message,
  life: 10000,
}));
const runner = new Runner({ app, api, pool, results, starter, captures, status, changed });

function onJobEvent(event) {
  status.onEvent(event);
  if (event.type !== "requeue") return;
  runner.requeue(event.jobIds).catch((error) => toast({ severity: "error",
    summary: "Livepeer: queueing the graph again failed", detail: error.message,
    life: 10000 }));
}

function setting(id) {
  const store = app.extensionManager?.setting;
  return store?.get ? store.get(id) : app.ui?.settings?.getSettingValue?.(id);
}

function serviceConfig() {
  const options = serviceOptions(setting);
  return {
    gatewayUrl: api.apiURL("/livepeer/gateway"),
    mediaProxy: api.apiURL("/livepeer/media?url="),
    persist: PERSIST_DB,
    retry: options.retry,
    debug: options.debug,
    requeue: { enabled: options.autoRequeue },
  };
}

let recreateTimer = null;
function recreateService() {
  if (!pool.current) return;
  clearTimeout(recreateTimer);
  recreateTimer = setTimeout(() => {
    try {
      pool.replace(serviceConfig());
    } catch (error) {
      toast({ severity: "error", summary: "Livepeer settings", detail: error.message,
        life: 10000 });
    }
  }, RECREATE_DELAY_MS);
}

async function setup() {
  runner.install();
  lifecycle.install();
  api.addEventListener("executed", (event) => captures.executed(event.detail));
  api.addEventListener("execution_interrupted", () => pool.stopRequeue());
  const interrupt = api.interrupt;
  if (typeof interrupt === "function") {
    api.interrupt = function wrappedInterrupt(...args) {
      pool.stopRequeue();
      return interrupt.apply(this, args);
    };
  }
  // The page's job services and run counts, for other extensions and for tests.
  globalThis.comfyLivepeer = { pool, stats: runner.stats };
  try {
    await pool.start(serviceConfig());
  } catch (error) {
    toast({ severity: "error", summary: "The Livepeer job service did not start",
      detail: error.message });
    return;
  }
  for (const node of livepeerNodes()) lifecycle.loaded(node);
  status.refresh();
}

function nodeMenu(node) {
  const jobId = node.properties?.[JOB_PROPERTY]?.jobId;
  const pending = jobId && ["queued", "submitting", "running"]
    .includes(pool.status(jobId)?.state);
  if (!pending) return [];
  return [{
    content: "Cancel Livepeer job",
    callback: () => {
      pool.stopRequeue();
      pool.cancel(jobId);
    },
  }];
}

app.registerExtension({
  name: "comfyui-livepeer",
  settings: settingsList({
    api,
    toast,
    onServiceChange: recreateService,
    onAutoRequeue: (enabled) => pool.setAutoRequeue({ enabled }),
  }),
  registerCustomNodes() {
    registerNodeTypes(app, {
      badge: (node) => status.badge(node),
      draw: (node, ctx) => status.draw(node, ctx),
      removed: (node) => lifecycle.removed(node),
      menu: nodeMenu,
    });
  },
  setup,
  loadedGraphNode(node) {
    if (nodeDef(node.type)) lifecycle.loaded(node);
  },
  beforeLoadGraph: () => lifecycle.beginLoad(),
  afterLoadGraph: () => {
    lifecycle.endLoad();
    status.refresh();
  },
  beforeConfigureGraph: () => lifecycle.beginLoad(),
  afterConfigureGraph: () => {
    lifecycle.endLoad();
    status.refresh();
  },
  onGraphLoadError: () => lifecycle.resetLoad(),
});
