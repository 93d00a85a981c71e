// The media inputs of the job form: an image or an audio file, chosen from disk or taken
// from the last image or speech a job of this page generated, so no upload is needed.
import { el } from "./dom.js";

/** The last generated image and speech, as Blobs, with the job they came from. */
export class LastMedia {
  constructor() {
    /** @type {Record<"image" | "audio", {blob: Blob, jobId: string} | null>} */
    this.items = { image: null, audio: null };
    this.listeners = new Set();
  }

  /**
   * Remembers the newest output of a job: its first image, or its speech. An output
   * without the file's Blob is passed over.
   * @param {string} jobId
   * @param {import("/pkg/comfyui_livepeer.js").JobOutput} output
   */
  remember(jobId, output) {
    const media = { images: output.images?.[0], audio: output.audio }[output.kind];
    if (!(media?.blob instanceof Blob)) return;
    this.#set(output.kind === "audio" ? "audio" : "image", { blob: media.blob, jobId });
  }

  /**
   * Calls `listener(kind)` whenever the last image or speech changes.
   * @param {(kind: "image" | "audio") => void} listener
   */
  onChange(listener) {
    this.listeners.add(listener);
  }

  #set(kind, item) {
    this.items[kind] = item;
    for (const listener of this.listeners) listener(kind);
  }
}

const NOUNS = { image: "image", audio: "speech" };

/**
 * One media field: a "last generated" choice, a file choice and a preview. The preview's
 * object URL is revoked whenever it is replaced.
 */
export class MediaInput {
  /**
   * @param {HTMLElement} root the field, holding `[data-source]` radios, a `[data-file]`
   *   input, a `[data-last-label]` and a `[data-preview]`
   * @param {"image" | "audio"} kind
   * @param {LastMedia} lastMedia
   */
  constructor(root, kind, lastMedia) {
    this.kind = kind;
    this.lastMedia = lastMedia;
    this.file = root.querySelector("[data-file]");
    this.sources = [...root.querySelectorAll("[data-source]")];
    this.lastLabel = root.querySelector("[data-last-label]");
    this.preview = root.querySelector("[data-preview]");
    this.previewUrl = null;
    this.listeners = new Set();

    this.file.addEventListener("change", () => {
      if (this.file.files.length > 0) this.#source("file").checked = true;
      this.#changed();
    });
    for (const radio of this.sources) radio.addEventListener("change", () => this.#changed());
    lastMedia.onChange((changed) => {
      if (changed === kind) this.#changed();
    });
    this.#changed();
  }

  /**
   * The chosen media, or null when nothing is chosen yet.
   * @returns {Blob | null}
   */
  current() {
    if (this.#source("file").checked) return this.file.files[0] ?? null;
    return this.lastMedia.items[this.kind]?.blob ?? null;
  }

  /**
   * The chosen media; throws an Error saying what to choose when there is none.
   * @returns {Blob}
   */
  value() {
    const blob = this.current();
    if (blob) return blob;
    if (this.#source("file").checked) throw new Error(`${this.kind}: choose a file`);
    throw new Error(`${this.kind}: no ${NOUNS[this.kind]} generated yet; ` +
      `run a job that makes one, or choose a file`);
  }

  /**
   * Calls `listener(blob)` with the chosen media (or null) whenever the choice changes.
   * @param {(blob: Blob | null) => void} listener
   */
  onChange(listener) {
    this.listeners.add(listener);
  }

  #source(value) {
    return this.sources.find((radio) => radio.value === value);
  }

  #changed() {
    const last = this.lastMedia.items[this.kind];
    this.lastLabel.textContent = last
      ? `Last generated ${NOUNS[this.kind]} (job ${last.jobId})`
      : `Last generated ${NOUNS[this.kind]} (none yet)`;
    const blob = this.current();
    this.#showPreview(blob);
    for (const listener of this.listeners) listener(blob);
  }

  #showPreview(blob) {
    if (this.previewUrl) URL.revokeObjectURL(this.previewUrl);
    this.previewUrl = blob ? URL.createObjectURL(blob) : null;
    if (!blob) {
      this.preview.replaceChildren();
      return;
    }
    const tag = this.kind === "image" ? "img" : "audio";
    const media = el(tag, { src: this.previewUrl, "data-testid": `${this.kind}-preview` });
    if (tag === "img") media.alt = "the chosen image";
    else media.controls = true;
    this.preview.replaceChildren(media);
  }
}
