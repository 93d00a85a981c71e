// Carries out a run's decisions on the nodes: starts the jobs it calls for (reading
// their input files first), sends jobs cut by a reload again, and shows on each node
// why it waits or cannot run. A node that waits for a capture starts once the
// captured file is in.
import { buildParams, nodeDef } from "../core/node-defs.js";
import { JOB_PROPERTY } from "./graph-view.js";

/**
 * @typedef {object} Run a prompt being queued, with its plan
 * @property {"run" | "requeue"} mode
 * @property {string} graphId the graph it was made from
 * @property {{nodes: Record<string, any>}} view
 * @property {Map<string, import("../core/plan.js").Decision>} decisions
 * @property {{jobs: Record<string, string>} | undefined} snapshot the manual run it
 *   belongs to, whose job list grows with the jobs started
 */

/** Starts the jobs of runs. */
export class JobStarter {
  /**
   * @param {object} ctx
   * @param {import("./service-pool.js").ServicePool} ctx.pool
   * @param {import("./inputs.js").InputFiles} ctx.inputs
   * @param {import("./node-status.js").NodeStatus} ctx.status
   * @param {(run: Run, nodeId: string) => any} ctx.nodeOf the run's node, if its graph
   *   is open
   * @param {() => any[]} ctx.livepeerNodes
   * @param {() => void} ctx.changed the graph's nodes changed (their job properties)
   */
  constructor(ctx) {
    this.ctx = ctx;
    this.waiting = new Map();
  }

  /**
   * Acts on every decision of a run, upstream nodes first.
   * @param {Run} run
   */
  async start(run) {
    for (const decision of run.decisions.values()) {
      const node = this.ctx.nodeOf(run, decision.nodeId);
      if (decision.action === "submit") await this.submit(run, decision, node);
      else this.show(run, decision, node);
    }
  }

  /** Starts the jobs of waiting nodes whose captured inputs are all in. */
  async retryWaiting() {
    for (const [nodeId, { run, decision }] of this.waiting) {
      if (!this.ctx.inputs.capturesDone(decision)) continue;
      const ready = Object.values(decision.sources).every((source) => source.kind !== "livepeer"
        || run.decisions.get(source.nodeId)?.action === "ready");
      if (!ready) continue;
      this.waiting.delete(nodeId);
      await this.submit(run, decision, this.ctx.nodeOf(run, nodeId));
    }
  }

  /** @private */
  show(run, decision, node) {
    const { status, pool } = this.ctx;
    if (!node) return;
    switch (decision.action) {
      case "resubmit":
        try {
          pool.resubmit(decision.jobId);
          status.setLocal(node, undefined);
        } catch (error) {
          status.setLocal(node, { state: "error", message: error.message });
        }
        break;
      case "wait":
        this.waiting.set(decision.nodeId, { run, decision });
        status.setLocal(node, { state: "waiting", message: waitMessage(decision) });
        break;
      case "missing":
        status.setLocal(node, { state: "error",
          message: `connect its ${decision.missing} input` });
        break;
      case "blocked":
        if (decision.jobId) status.setLocal(node, undefined);
        else if (run.mode === "run") {
          status.setLocal(node, { state: "error",
            message: "an input has no result: its job failed or was not run" });
        }
        break;
      default:
        status.setLocal(node, undefined);
        if (decision.jobId) pool.attach(String(node.id), decision.jobId);
    }
  }

  /** @private */
  async submit(run, decision, node) {
    const { pool, inputs, status } = this.ctx;
    if (!node) return;
    const def = nodeDef(node.type);
    status.setLocal(node, { state: "waiting", message: "reading its inputs" });
    let jobId;
    try {
      const files = await inputs.read(decision, run.decisions);
      const params = buildParams(def, run.view.nodes[decision.nodeId].widgets ?? {}, files);
      jobId = pool.submit(def.pipeline, params, String(node.id));
    } catch (error) {
      status.setLocal(node, { state: "error", message: error.message });
      status.reportFailure(def.pipeline, error);
      return;
    }
    const previous = node.properties?.[JOB_PROPERTY]?.jobId;
    node.properties ??= {};
    node.properties[JOB_PROPERTY] = { jobId, fingerprint: decision.fingerprint };
    decision.jobId = jobId;
    decision.action = "pending";
    if (run.snapshot) run.snapshot.jobs[decision.nodeId] = jobId;
    status.setLocal(node, undefined);
    if (previous && previous !== jobId) this.release(previous, node);
    this.ctx.changed();
  }

  /** @private Cancels a job a node no longer uses, unless another node uses it. */
  release(jobId, node) {
    const used = this.ctx.livepeerNodes()
      .some((other) => other !== node && other.properties?.[JOB_PROPERTY]?.jobId === jobId);
    if (!used) this.ctx.pool.cancel(jobId);
  }
}

function waitMessage(decision) {
  const sources = Object.values(decision.sources);
  const upstream = sources.find((source) => source.kind === "livepeer");
  if (upstream) return `waiting for the job of #${upstream.nodeId}`;
  const capture = sources.find((source) => source.kind === "capture");
  return capture ? `waiting for #${capture.nodeId} to run` : "waiting for its inputs";
}
