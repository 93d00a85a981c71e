// The test page of persist.test.mjs: a job service that saves its jobs in the IndexedDB
// database named by `?db=`, run against `?gateway=`, with quick polls. The test drives
// it through `window.jobs`; nothing happens until it calls `jobs.open()` (or
// `jobs.create()`, which skips the restore). With `?storage=broken`, `indexedDB.open`
// throws before the module is even loaded.
const query = new URLSearchParams(location.search);

if (query.get("storage") === "broken") {
  indexedDB.open = () => {
    throw new DOMException("IndexedDB is off on this test page", "InvalidStateError");
  };
}

const { default: init, JobService } = await import("/pkg/comfyui_livepeer.js");
await init();

const POLL = { firstDelayMs: 300, intervalMs: 300, backoff: 1, minIntervalMs: 100 };
const ENDED = new Set(["completed", "delivered", "failed", "cancelled", "interrupted"]);

let service = null;
const waiters = new Set();

/** Creates the page's service; `options` adds to its config (such as `apiKey`). */
function create(options = {}) {
  const gatewayUrl = query.get("gateway");
  service = new JobService({ gatewayUrl, persist: query.get("db"), poll: POLL, ...options });
  service.subscribe((event) => {
    if (event.type !== "state") return;
    for (const waiter of waiters) waiter(event);
  });
}

/** Creates the page's service and restores its saved jobs; resolves with the summary. */
function open(options = {}) {
  create(options);
  return service.restore();
}

/** Starts a job of `pipeline` in the background; resolves with its id. */
function submit(pipeline, params) {
  return service.submit(pipeline, params);
}

/** Runs a job to its end (it is then delivered); resolves with its id. */
async function run(pipeline, params) {
  const { jobId } = await service.run(pipeline, params);
  return jobId;
}

/** Starts an image-to-video job on the first image of job `imageJobId`. */
function submitVideoOf(imageJobId, params = {}) {
  const image = service.output(imageJobId).images[0].blob;
  return service.submit("image-to-video", { image, ...params });
}

/**
 * Resolves with the job's status once it is in `state`; rejects with its status when it
 * ends in another state, or after `timeoutMs`.
 */
function waitForState(jobId, state, timeoutMs = 20_000) {
  return new Promise((resolve, reject) => {
    const settle = () => {
      const status = service.status(jobId);
      if (status?.state === state) return finish(resolve, status);
      if (status && ENDED.has(status.state)) {
        finish(reject, new Error(`job ${jobId} is ${describe(status)}, not ${state}`));
      }
    };
    const finish = (how, value) => {
      waiters.delete(waiter);
      clearTimeout(timer);
      how(value);
    };
    const waiter = (event) => {
      if (event.jobId === jobId) settle();
    };
    const timer = setTimeout(() => {
      const status = service.status(jobId);
      finish(reject, new Error(`job ${jobId} is still ${describe(status)}, not ${state}`));
    }, timeoutMs);
    waiters.add(waiter);
    settle();
  });
}

function describe(status) {
  if (!status) return "unknown";
  return status.error ? `${status.state} (${status.error.message})` : status.state;
}

/** The sizes of the files of job `jobId`'s output, in bytes; `null` without output. */
function blobSizes(jobId) {
  const output = service.output(jobId);
  if (!output) return null;
  const items = output.images ?? output.videos ?? (output.audio ? [output.audio] : []);
  return items.map((item) => (item.blob instanceof Blob ? item.blob.size : null));
}

/** `[width, height]` of the first image of job `jobId`, decoded from its Blob. */
async function imageSize(jobId) {
  const bitmap = await createImageBitmap(service.output(jobId).images[0].blob);
  const size = [bitmap.width, bitmap.height];
  bitmap.close();
  return size;
}

/** The record saved for job `jobId` in the page's database, or `null`. */
async function savedRecord(jobId) {
  const name = query.get("db");
  const names = (await indexedDB.databases()).map((database) => database.name);
  if (!names.includes(name)) return null;
  const records = await readDatabase(name);
  return records.jobs?.find((record) => record.id === jobId) ?? null;
}

/**
 * Everything this origin keeps: the records of every object store of every IndexedDB
 * database, then localStorage and sessionStorage, as one JSON text (a Blob becomes {}).
 */
async function storedText() {
  const databases = {};
  for (const { name } of await indexedDB.databases()) {
    databases[name] = await readDatabase(name);
  }
  const storage = (area) => Object.fromEntries(Object.entries(area));
  return JSON.stringify({
    databases,
    localStorage: storage(localStorage),
    sessionStorage: storage(sessionStorage),
  });
}

async function readDatabase(name) {
  const db = await done(indexedDB.open(name));
  try {
    const stores = {};
    for (const store of db.objectStoreNames) {
      const request = db.transaction(store, "readonly").objectStore(store).getAll();
      stores[store] = await done(request);
    }
    return stores;
  } finally {
    db.close();
  }
}

function done(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

window.jobs = {
  create,
  open,
  submit,
  run,
  submitVideoOf,
  waitForState,
  blobSizes,
  imageSize,
  savedRecord,
  storedText,
  restore: () => service.restore(),
  status: (jobId) => service.status(jobId),
  resubmit: (jobId) => service.resubmit(jobId),
};
document.body.dataset.ready = "true";
