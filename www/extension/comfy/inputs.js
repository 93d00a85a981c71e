// The files a Livepeer job is sent: from a loader node, the file it names, read through
// ComfyUI's `/view`; from another Livepeer node, its result; from any other node, the
// file a capture (a preview node run for this purpose) showed.
import { hashText } from "../core/fingerprint.js";
import { parseLoaderFile } from "../core/files.js";
import { resultBlob } from "./results.js";

/** Reads input files and keeps the captured ones. */
export class InputFiles {
  /**
   * @param {any} api ComfyUI's api
   * @param {{output: (jobId: string) => any}} jobs where job outputs come from
   */
  constructor(api, jobs) {
    this.api = api;
    this.jobs = jobs;
    this.captured = new Map();
  }

  /**
   * Keeps a captured file for a node's input, for the upstream prompt text it came from.
   * @param {import("../core/plan.js").Source} source
   * @param {Blob} blob
   */
  keepCapture(source, blob) {
    this.captured.set(captureKey(source), blob);
  }

  /**
   * Whether every capture source of a decision has its file.
   * @param {import("../core/plan.js").Decision} decision
   */
  capturesDone(decision) {
    return Object.values(decision.sources)
      .every((source) => source.kind !== "capture" || this.captured.has(captureKey(source)));
  }

  /**
   * The files of a decision's inputs, by input name. Rejects with an Error naming the
   * input that cannot be read.
   * @param {import("../core/plan.js").Decision} decision
   * @param {Map<string, import("../core/plan.js").Decision>} decisions the run's others
   * @returns {Promise<Record<string, Blob>>}
   */
  async read(decision, decisions) {
    const files = {};
    for (const [name, source] of Object.entries(decision.sources)) {
      try {
        files[name] = await this.readSource(source, decisions);
      } catch (error) {
        throw new Error(`input ${name}: ${error.message}`);
      }
    }
    return files;
  }

  /** @private */
  async readSource(source, decisions) {
    if (source.kind === "file") return this.view(parseLoaderFile(source.file));
    if (source.kind === "capture") {
      const blob = this.captured.get(captureKey(source));
      if (!blob) throw new Error("its upstream node has not run yet");
      return blob;
    }
    const upstream = decisions.get(source.nodeId);
    const output = upstream?.jobId ? this.jobs.output(upstream.jobId) : undefined;
    if (output) return resultBlob(output, source.type === "IMAGE" ? "IMAGE" : source.type);
    const file = upstream?.result?.inputs?.image ?? upstream?.result?.inputs?.audio;
    if (typeof file === "string") return this.view(parseLoaderFile(file));
    throw new Error(`node #${source.nodeId} has no result`);
  }

  /**
   * A file from ComfyUI's input, output or temp folder.
   * @param {{filename: string, subfolder: string, type: string}} file
   * @returns {Promise<Blob>}
   */
  async view({ filename, subfolder, type }) {
    const query = new URLSearchParams({ filename, type, subfolder });
    const response = await this.api.fetchApi(`/view?${query}`);
    if (response.status !== 200) {
      throw new Error(`${subfolder ? `${subfolder}/` : ""}${filename} could not be read `
        + `(${response.status})`);
    }
    return response.blob();
  }
}

function captureKey(source) {
  return `${source.nodeId}:${source.slot}:${hashText(source.upstream ?? "")}`;
}
