// A job's output as the page shows it, one renderer per kind of output: pictures, video,
// speech, text with its timed chunks, masks, an llm answer (growing token by token while
// it streams) and the URLs of a live stream. Media is shown from the output's Blobs
// through object URLs, which the caller revokes when it removes the result.
import { el } from "./dom.js";
import { renderMasks } from "./masks.js";

/**
 * Renders `output`.
 * @param {import("/pkg/comfyui_livepeer.js").JobOutput} output
 * @param {{jobId: string, params: object, llm?: LlmView}} job the job, with the
 *   parameters it was given and, for a streamed llm answer, the view that shows it
 * @returns {{node: HTMLElement, urls: string[]}} the result and the object URLs it uses
 */
export function renderOutput(output, job) {
  const urls = [];
  const objectUrl = (blob) => {
    if (!(blob instanceof Blob)) throw new Error(`the ${output.kind} output has no file (blob)`);
    const url = URL.createObjectURL(blob);
    urls.push(url);
    return url;
  };
  const render = RENDERERS[output.kind];
  try {
    if (!render) throw new Error(`this page cannot show "${output.kind}" output`);
    return { node: render(output, job, objectUrl), urls };
  } catch (error) {
    for (const url of urls) URL.revokeObjectURL(url);
    const text = `This result cannot be shown: ${error.message}.`;
    const node = el("p", { class: "problem", "data-testid": "result-problem", text });
    return { node, urls: [] };
  }
}

const RENDERERS = {
  images: (output, job, objectUrl) => el("div", { class: "gallery" }, ...output.images.map(
    (image, n) => el(
      "figure",
      { "data-testid": "job-figure" },
      el("img", {
        src: objectUrl(image.blob),
        alt: `image ${n + 1} of ${job.jobId}`,
        "data-testid": "job-image",
      }),
      el("figcaption", { text: `seed ${image.seed} · nsfw ${image.nsfw ? "yes" : "no"}` }),
    ),
  )),

  video: (output, job, objectUrl) => el("div", { class: "gallery" }, ...output.videos.map(
    (video) => {
      const player = el("video", { src: objectUrl(video.blob), "data-testid": "job-video" });
      Object.assign(player, { controls: true, muted: true, loop: true, preload: "auto" });
      return el("figure", {}, player, el("figcaption", {
        text: `seed ${video.seed} · ${mediaFacts(video.blob)}`,
      }));
    },
  )),

  audio: (output, job, objectUrl) => {
    const player = el("audio", { src: objectUrl(output.audio.blob), "data-testid": "job-audio" });
    Object.assign(player, { controls: true, preload: "metadata" });
    return el("figure", {}, player, el("figcaption", { text: mediaFacts(output.audio.blob) }));
  },

  text: (output) => {
    const text = el("p", { class: "result-text", "data-testid": "job-text", text: output.text });
    if (output.chunks.length === 0) return el("div", {}, text);
    const chunks = output.chunks.map((chunk) => el(
      "li",
      {},
      el("span", { class: "time", text: chunkTime(chunk) }),
      el("span", { text: chunk.text.trim() }),
    ));
    return el("div", {}, text, el("ol", { class: "chunks", "data-testid": "job-chunks" },
      ...chunks));
  },

  masks: (output, job) => renderMasks(output, job.params),

  llm: (output, job) => {
    const view = job.llm ?? new LlmView();
    view.finish(output);
    return view.node;
  },

  live_video: (output) => {
    const rows = [
      ["Subscribe", output.subscribe_url],
      ["Publish", output.publish_url],
      ["Control", output.control_url],
      ["Events", output.events_url],
      ["Request id", output.request_id],
      ["Manifest id", output.manifest_id],
    ];
    return el("dl", { class: "live", "data-testid": "job-live" }, ...rows.flatMap(
      ([name, value]) => [el("dt", { text: name }), el("dd", {}, el("code", { text: value }))],
    ));
  },
};

/**
 * An llm answer: its text grows with each token event while it streams; once the job
 * completes it shows the whole answer, why it stopped and the token counts. A new
 * attempt starts the text again; a job that ends without an answer keeps what came.
 */
export class LlmView {
  constructor() {
    this.text = el("p", { class: "result-text", "data-testid": "job-llm-text" });
    this.detail = el("p", { class: "note", "data-testid": "job-llm-detail" });
    this.node = el("div", { class: "llm", "data-testid": "job-llm" }, this.text, this.detail);
    this.attempt = null;
    this.streamed = 0;
  }

  /**
   * Adds one streamed token.
   * @param {import("/pkg/comfyui_livepeer.js").TokenEvent} event
   */
  addToken(event) {
    if (event.attempt !== this.attempt) {
      this.attempt = event.attempt;
      this.text.textContent = "";
    }
    this.text.textContent += event.text;
    this.streamed++;
    this.node.dataset.streamedTokens = String(this.streamed);
    this.detail.textContent = `streaming · ${this.streamed} tokens · attempt ${event.attempt}`;
  }

  /**
   * Says that the job ended in `state` without an answer, after the tokens shown.
   * @param {string} state
   */
  end(state) {
    if (this.node.dataset.done === "true") return;
    this.detail.textContent = `${this.streamed} tokens streamed, then the job ${state}`;
    this.node.dataset.ended = state;
  }

  /**
   * Shows the complete answer.
   * @param {import("/pkg/comfyui_livepeer.js").LlmOutput} output
   */
  finish(output) {
    this.text.textContent = output.text;
    const facts = [`finish: ${output.finish_reason || "not given"}`];
    const { usage } = output;
    if (usage) {
      facts.push(`tokens: ${usage.prompt_tokens} prompt + ${usage.completion_tokens} ` +
        `completion = ${usage.total_tokens}`);
    }
    if (this.streamed > 0) facts.push(`${this.streamed} streamed`);
    if (output.model) facts.push(output.model);
    this.detail.textContent = facts.join(" · ");
    this.node.dataset.done = "true";
  }
}

function chunkTime({ start, end }) {
  const from = start.toFixed(1);
  return end === null ? `${from} s –` : `${from}–${end.toFixed(1)} s`;
}

function mediaFacts(blob) {
  const kb = Math.max(1, Math.round(blob.size / 1024));
  return `${blob.type || "unknown type"} · ${kb} kB`;
}
