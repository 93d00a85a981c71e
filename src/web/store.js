// IndexedDB storage of the job service's jobs, one record per job keyed by its id.
// Records hold plain values, Blobs and typed arrays, which IndexedDB stores as they are.
// Every function returns a promise that rejects with the browser's error.

const JOBS = "jobs";

function done(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

/** How long a page waits for the job store while another page still holds it (a page
 *  being reloaded lets go of it a moment after the new one starts). */
const LOCK_WAIT_MS = 3000;

/**
 * Opens (and on first use creates) the database `name`. Only one page at a time may use
 * it: a second tab would take the first one's running jobs for jobs a reload cut and send
 * them again. The page holds a Web Lock on the name for its life; when another page still
 * holds it after LOCK_WAIT_MS, this rejects.
 */
export function openJobStore(name) {
  if (!opening.has(name)) opening.set(name, open(name));
  return opening.get(name);
}

/** The database of each name this page opened, opened once however often it is asked. */
const opening = new Map();

async function open(name) {
  if (globalThis.navigator?.locks && globalThis.AbortSignal?.timeout) {
    const held = await new Promise((resolve) => {
      const options = { signal: AbortSignal.timeout(LOCK_WAIT_MS) };
      navigator.locks
        .request(`comfyui-livepeer:${name}`, options, () => {
          resolve(true);
          return new Promise(() => {});
        })
        .catch(() => resolve(false));
    });
    if (!held) throw new Error(`another page uses the job store "${name}"`);
  }
  const request = indexedDB.open(name, 1);
  request.onupgradeneeded = () => request.result.createObjectStore(JOBS, { keyPath: "id" });
  return done(request);
}

/** Writes `record` over the stored record with the same id. */
export function putJob(db, record) {
  return done(db.transaction(JOBS, "readwrite").objectStore(JOBS).put(record));
}

/** Removes the record of job `id`. */
export function deleteJob(db, id) {
  return done(db.transaction(JOBS, "readwrite").objectStore(JOBS).delete(id));
}

/** Every stored record. */
export function loadJobs(db) {
  return done(db.transaction(JOBS, "readonly").objectStore(JOBS).getAll());
}
