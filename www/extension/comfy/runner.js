// Running the graph. Two wrappers:
//
// - `app.graphToPrompt`: plans each Livepeer node (core/plan.js), uploads the results
//   that are ready, and rewrites the prompt (core/rewrite.js): loaders in place of
//   Livepeer nodes with results, their links restored, branches still waiting removed,
//   captures added. It starts no job, so exporting a prompt has no such effect.
// - `api.queuePrompt`: for a prompt made that way, starts the jobs the plan calls for,
//   then sends the prompt, or, when nothing in it can run yet, sends nothing and answers
//   as the server would for an empty queue entry (no prompt id, no node errors).
//
// A manual run is kept (its prompt before the rewrite, its workflow, its graph view and
// jobs). When the job service says the graph must run again, that run is rewritten
// again, now with loaders for the jobs that finished, and sent with `api.queuePrompt`,
// so widget callbacks (such as a seed's "randomize") do not run and no job starts that
// the manual run did not ask for.
import { nodeDef } from "../core/node-defs.js";
import { planRun } from "../core/plan.js";
import { hasOutputNode, rewritePrompt } from "../core/rewrite.js";
import { JOB_PROPERTY, graphView } from "./graph-view.js";

const KEPT_RUNS = 8;
const REQUEUE_STARTING = new Set(["submit", "wait", "resubmit"]);

/** The wrappers, the runs kept for requeues, and counts for tests and debugging. */
export class Runner {
  /**
   * @param {object} ctx
   * @param {any} ctx.app ComfyUI's app
   * @param {any} ctx.api ComfyUI's api
   * @param {import("./service-pool.js").ServicePool} ctx.pool
   * @param {import("./results.js").ResultFiles} ctx.results
   * @param {import("./job-starter.js").JobStarter} ctx.starter
   * @param {import("./captures.js").Captures} ctx.captures
   * @param {import("./node-status.js").NodeStatus} ctx.status
   * @param {() => void} ctx.changed
   */
  constructor(ctx) {
    this.ctx = ctx;
    this.runs = new WeakMap();
    this.kept = [];
    this.stats = { sent: 0, skipped: 0, requeues: 0 };
    this.originalGraphToPrompt = null;
  }

  /** Wraps `app.graphToPrompt` and `api.queuePrompt`. */
  install() {
    const { app, api } = this.ctx;
    const runner = this;
    const graphToPrompt = app.graphToPrompt;
    this.originalGraphToPrompt = graphToPrompt;
    app.graphToPrompt = async function wrappedGraphToPrompt(...args) {
      const result = await graphToPrompt.apply(this, args);
      const graph = args[0] ?? runner.root();
      if (graph !== runner.root()) return result;
      return runner.rewrite(result, graphView(graph), { mode: "run" }, graph.id);
    };
    app.graphToPrompt.original = graphToPrompt;

    const queuePrompt = api.queuePrompt;
    api.queuePrompt = async function wrappedQueuePrompt(number, prompt, options, ...rest) {
      const run = runner.runs.get(prompt);
      if (!run) return queuePrompt.call(this, number, prompt, options, ...rest);
      runner.runs.delete(prompt);
      const send = (sent) => queuePrompt.call(this, number, prompt, sent, ...rest);
      return runner.send(run, prompt, options, send);
    };
  }

  /** The root graph of the open workflow. */
  root() {
    return this.ctx.app.rootGraph ?? this.ctx.app.graph;
  }

  /**
   * Plans and rewrites a prompt in place and remembers the plan for `api.queuePrompt`.
   * A graph without Livepeer nodes is returned untouched.
   * @private
   */
  async rewrite(result, view, options, graphId, snapshot) {
    if (!Object.values(view.nodes).some((node) => nodeDef(node.type))) return result;
    const { pool, results } = this.ctx;
    const jobState = (jobId) => pool.status(jobId)?.state;
    const decisions = planRun(view, result.output, { ...options, jobState });
    const run = { mode: options.mode, graphId, view, decisions, snapshot,
      output: result.output, workflow: result.workflow };

    const loaders = new Map();
    for (const decision of decisions.values()) {
      if (decision.action !== "ready") continue;
      const outputType = nodeDef(view.nodes[decision.nodeId].type).output.type;
      try {
        const loader = pool.output(decision.jobId)
          ? await results.loader(decision.jobId, outputType) : decision.result;
        if (loader) loaders.set(decision.nodeId, loader);
        this.remember(run, decision, loader);
      } catch (error) {
        const node = this.nodeOf(run, decision.nodeId);
        if (node) this.ctx.status.setLocal(node, { state: "error", message: error.message });
      }
    }
    const rewritten = rewritePrompt(result.output, view, decisions, loaders);
    run.captures = rewritten.captures;
    result.output = rewritten.output;
    this.runs.set(result, run);
    return result;
  }

  /** @private Keeps a ready node's loader in its properties, for later pages. */
  remember(run, decision, loader) {
    const node = this.nodeOf(run, decision.nodeId);
    const job = node?.properties?.[JOB_PROPERTY];
    if (!loader || job?.jobId !== decision.jobId || job.result) return;
    job.result = loader;
    this.ctx.changed();
  }

  /**
   * A node of a run, if the run's graph is the open one and still has it.
   * @param {{graphId: string}} run
   * @param {string} nodeId
   */
  nodeOf(run, nodeId) {
    const root = this.root();
    if (!root || root.id !== run.graphId) return null;
    const node = root.getNodeById(Number(nodeId)) ?? root.getNodeById(nodeId);
    return node && nodeDef(node.type) ? node : null;
  }

  /** @private Starts the run's jobs, then sends its prompt if anything can run. */
  async send(run, prompt, options, send) {
    const { pool, starter, captures, status } = this.ctx;
    if (run.mode === "run") {
      pool.beginRun();
      run.snapshot = this.keep(run);
    }
    await starter.start(run);
    captures.expect(run.captures, run.decisions);

    const targets = options?.partialExecutionTargets;
    const kept = targets?.length ? targets.filter((id) => prompt.output[id]) : targets;
    const runnable = hasOutputNode(prompt.output, isOutputNode)
      && (!targets?.length || kept.length > 0);
    status.refresh();
    if (!runnable) {
      this.stats.skipped += 1;
      return { node_errors: {} };
    }
    const response = await send(targets ? { ...options, partialExecutionTargets: kept }
      : options);
    this.stats.sent += 1;
    for (const decision of run.decisions.values()) {
      if (decision.action === "ready" && prompt.output[decision.nodeId] && decision.jobId) {
        pool.deliver(decision.jobId);
      }
    }
    status.refresh();
    return response;
  }

  /** @private Keeps a manual run for the requeues that may follow it. */
  keep(run) {
    const snapshot = { graphId: run.graphId, view: run.view, output: run.output,
      workflow: run.workflow, jobs: {}, wanted: new Set() };
    for (const decision of run.decisions.values()) {
      if (decision.jobId) snapshot.jobs[decision.nodeId] = decision.jobId;
      if (REQUEUE_STARTING.has(decision.action)) snapshot.wanted.add(decision.nodeId);
    }
    this.kept.push(snapshot);
    if (this.kept.length > KEPT_RUNS) this.kept.shift();
    return snapshot;
  }

  /**
   * Queues the graph again for jobs that completed: the newest manual run that used
   * them, or, when none is kept (after a reload), the open graph, without starting jobs.
   * Rejects when the prompt cannot be made or the server refuses it.
   * @param {string[]} jobIds
   */
  async requeue(jobIds) {
    const { api } = this.ctx;
    const snapshot = [...this.kept].reverse()
      .find((run) => Object.values(run.jobs).some((jobId) => jobIds.includes(jobId)));
    let prompt;
    if (snapshot) {
      const result = { output: snapshot.output, workflow: snapshot.workflow };
      const options = { mode: "requeue", jobs: snapshot.jobs, wanted: snapshot.wanted };
      prompt = await this.rewrite(result, snapshot.view, options, snapshot.graphId, snapshot);
    } else {
      const graph = this.root();
      const view = graphView(graph);
      const result = await this.originalGraphToPrompt.call(this.ctx.app, graph);
      const jobs = Object.fromEntries(Object.values(view.nodes)
        .filter((node) => node.job?.jobId).map((node) => [node.id, node.job.jobId]));
      prompt = await this.rewrite(result, view, { mode: "requeue", jobs }, graph.id);
    }
    this.stats.requeues += 1;
    await api.queuePrompt(0, prompt);
  }
}

/**
 * Whether ComfyUI runs nodes of this class as outputs.
 * @param {string} classType
 */
export function isOutputNode(classType) {
  const type = globalThis.LiteGraph?.registered_node_types?.[classType];
  return Boolean(type?.nodeData?.output_node);
}
