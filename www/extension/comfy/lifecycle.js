// Nodes coming and going. Deleting a Livepeer node cancels its job, unless another node
// uses it. Loading a workflow, switching tabs, undo and Clear also remove every node
// (the graph is cleared), and then nothing is cancelled: the jobs keep running, and
// when that workflow is open again its nodes find them. Jobs no open workflow uses are
// left to the service's cleanup sweep.
import { JOB_PROPERTY } from "./graph-view.js";

const STALE_LOAD_MS = 30_000;

/** Tells deletions from graph clears and attaches loaded nodes to their jobs. */
export class Lifecycle {
  /**
   * @param {object} options
   * @param {any} options.app ComfyUI's app
   * @param {import("./service-pool.js").ServicePool} options.pool
   * @param {() => any[]} options.livepeerNodes the Livepeer nodes of the open graph
   */
  constructor({ app, pool, livepeerNodes }) {
    this.app = app;
    this.pool = pool;
    this.livepeerNodes = livepeerNodes;
    this.loading = 0;
    this.loadStarted = 0;
    this.generation = 0;
  }

  /** Marks `app.clean()` (which clears the graph) as a clear, not a deletion. */
  install() {
    const original = this.app.clean;
    if (typeof original !== "function") return;
    const lifecycle = this;
    this.app.clean = function clean(...args) {
      lifecycle.beginLoad();
      try {
        return original.apply(this, args);
      } finally {
        lifecycle.endLoad();
      }
    };
  }

  /** A graph load or clear begins: node removals until `endLoad` are not deletions. */
  beginLoad() {
    this.loading += 1;
    this.loadStarted = Date.now();
    this.generation += 1;
  }

  /** The load or clear that `beginLoad` announced ended. */
  endLoad() {
    this.loading = Math.max(0, this.loading - 1);
  }

  /** A load failed: whatever it announced is over. */
  resetLoad() {
    this.loading = 0;
  }

  /**
   * Whether a load or clear is under way. A load whose end was never announced (one
   * that threw where no hook reports it) stops counting after a while.
   */
  isLoading() {
    return this.loading > 0 && Date.now() - this.loadStarted < STALE_LOAD_MS;
  }

  /**
   * A node's onRemoved. The cancel waits a moment, so a clear that announces itself a
   * little late (an undo's configure) still keeps the job.
   * @param {any} node
   */
  removed(node) {
    const jobId = node.properties?.[JOB_PROPERTY]?.jobId;
    if (this.isLoading() || !jobId) return;
    const nodeId = String(node.id);
    const generation = this.generation;
    setTimeout(() => {
      if (generation !== this.generation || this.isLoading()) return;
      const stillUsed = this.livepeerNodes()
        .some((other) => other !== node && other.properties?.[JOB_PROPERTY]?.jobId === jobId);
      if (stillUsed) return;
      this.pool.cancel(jobId);
      this.pool.removeNode(nodeId);
    }, 0);
  }

  /**
   * A node of a loaded workflow uses its remembered job again, if a service still holds
   * it; otherwise the node falls back to the result file it remembers.
   * @param {any} node
   */
  loaded(node) {
    const jobId = node.properties?.[JOB_PROPERTY]?.jobId;
    if (jobId) this.pool.attach(String(node.id), jobId);
  }
}
