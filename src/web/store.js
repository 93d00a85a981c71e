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

/**
 * Opens (and on first use creates) the database `name`. Only one page at a time may use
 * it: a second tab would take the first one's running jobs for jobs a reload cut and send
 * them again. The page holds a Web Lock on the name for its life; when another page
 * holds it, this rejects.
 */
export async function openJobStore(name) {
  if (globalThis.navigator?.locks) {
    const held = await new Promise((resolve) => {
      navigator.locks.request(`comfyui-livepeer:${name}`, { ifAvailable: true }, (lock) => {
        resolve(lock !== null);
        return lock === null ? undefined : new Promise(() => {});
      });
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
