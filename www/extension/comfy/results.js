// Job results as files ComfyUI's loader nodes read: each result is uploaded once per job
// into the input folder's `livepeer/` subfolder (masks first drawn as a PNG with alpha),
// and the loader that reads it is remembered.
import { RESULT_SUBFOLDER, loaderFor, outputText, resultFileName } from "../core/files.js";
import { bestMaskIndex, maskPixels } from "../core/mask.js";

/** Uploads results and caches the loader of each job. */
export class ResultFiles {
  /**
   * @param {any} api ComfyUI's api
   * @param {{output: (jobId: string) => any}} jobs where job outputs come from
   */
  constructor(api, jobs) {
    this.api = api;
    this.jobs = jobs;
    this.loaders = new Map();
  }

  /**
   * The loader for a job's result, uploading the file on first use. Rejects when the
   * job holds no output or the upload fails.
   * @param {string} jobId
   * @param {string} outputType IMAGE, MASK, VIDEO, AUDIO or STRING
   * @returns {Promise<{class_type: string, inputs: object}>}
   */
  loader(jobId, outputType) {
    const key = `${jobId}/${outputType}`;
    if (!this.loaders.has(key)) {
      const made = this.make(jobId, outputType);
      made.catch(() => this.loaders.delete(key));
      this.loaders.set(key, made);
    }
    return this.loaders.get(key);
  }

  /** @private */
  async make(jobId, outputType) {
    const output = this.jobs.output(jobId);
    if (!output) throw new Error(`job ${jobId} holds no result`);
    if (outputType === "STRING") return loaderFor("STRING", outputText(output));
    const blob = await resultBlob(output, outputType);
    const name = resultFileName(jobId, blob.type, outputType);
    return loaderFor(outputType, await this.upload(blob, name));
  }

  /** @private Uploads a file into input/livepeer/; resolves with "livepeer/<name>". */
  async upload(blob, name) {
    const form = new FormData();
    form.append("image", new File([blob], name, { type: blob.type }));
    form.append("type", "input");
    form.append("subfolder", RESULT_SUBFOLDER);
    form.append("overwrite", "true");
    const response = await this.api.fetchApi("/upload/image", { method: "POST", body: form });
    if (response.status !== 200) {
      throw new Error(`uploading the result ${name} failed (${response.status})`);
    }
    const stored = await response.json();
    return stored.subfolder ? `${stored.subfolder}/${stored.name}` : stored.name;
  }
}

/**
 * The file a node's output carries: the first image or video, the speech, or the best
 * mask drawn as a PNG.
 * @param {any} output a job's output
 * @param {string} outputType
 * @returns {Promise<Blob>}
 */
export async function resultBlob(output, outputType) {
  if (outputType === "MASK") {
    const index = bestMaskIndex(output.scores, output.masks?.shape?.[0] ?? 1);
    return pngBlob(maskPixels(output.masks, index));
  }
  const blob = output.images?.[0]?.blob ?? output.videos?.[0]?.blob ?? output.audio?.blob;
  if (!blob) throw new Error(`a ${output.kind} result holds no file`);
  return blob;
}

async function pngBlob({ width, height, rgba }) {
  const canvas = typeof OffscreenCanvas === "function"
    ? new OffscreenCanvas(width, height)
    : Object.assign(document.createElement("canvas"), { width, height });
  canvas.getContext("2d").putImageData(new ImageData(rgba, width, height), 0, 0);
  if (canvas.convertToBlob) return canvas.convertToBlob({ type: "image/png" });
  return new Promise((resolve, reject) => canvas.toBlob(
    (blob) => (blob ? resolve(blob) : reject(new Error("the mask could not be drawn"))),
    "image/png",
  ));
}
