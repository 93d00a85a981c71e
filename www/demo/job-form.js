// The job form: the pipeline selector, the fields the chosen pipeline uses (the others
// are hidden) and the readers that turn those fields into the pipeline's parameters.
import { MediaInput } from "./inputs.js";
import { MessageList } from "./messages.js";
import { findPipeline, PIPELINES, readParams } from "./pipelines.js";
import { PointPicker } from "./points.js";

/** The form's pipeline choice and its fields. */
export class JobForm {
  /**
   * @param {HTMLFormElement} form
   * @param {import("./inputs.js").LastMedia} lastMedia
   */
  constructor(form, lastMedia) {
    const $ = (id) => form.querySelector(`#${id}`);
    this.form = form;
    this.$ = $;
    this.select = $("pipeline");
    this.about = $("pipeline-about");
    this.image = new MediaInput($("image-input"), "image", lastMedia);
    this.audio = new MediaInput($("audio-input"), "audio", lastMedia);
    this.points = new PointPicker($, this.image);
    this.messages = new MessageList($("messages"), $("message-add"));

    for (const pipeline of PIPELINES) {
      this.select.append(new Option(pipeline.label, pipeline.name));
    }
    this.select.addEventListener("change", () => this.#show());
    this.#show();
  }

  /** The chosen pipeline's definition (see pipelines.js). */
  get pipeline() {
    return findPipeline(this.select.value);
  }

  /**
   * A new job's pipeline name and parameters, media included as Blobs. Throws an Error
   * naming a field that is wrong or missing.
   */
  read() {
    const pipeline = this.pipeline;
    const params = readParams(pipeline, this.#readers());
    return { pipeline: pipeline.name, params };
  }

  #show() {
    const { name, about, fields } = this.pipeline;
    this.form.dataset.pipeline = name;
    this.about.textContent = about;
    for (const block of this.form.querySelectorAll("[data-field]")) {
      const shown = Object.hasOwn(fields, block.dataset.field);
      block.hidden = !shown;
      const hint = block.querySelector("[data-hint]");
      if (hint && shown) hint.textContent = fields[block.dataset.field];
    }
    for (const group of this.form.querySelectorAll("[data-group]")) {
      group.hidden = [...group.querySelectorAll("[data-field]")].every((block) => block.hidden);
    }
  }

  /** @returns {import("./pipelines.js").FormReader} */
  #readers() {
    const $ = this.$;
    return {
      text: (id, { optional = false } = {}) => {
        const value = $(id).value.trim();
        return optional && value === "" ? undefined : value;
      },
      number: (id) => readNumber(id, $(id).value),
      checked: (id) => $(id).checked,
      choice: (id) => $(id).value,
      json: (id) => readJsonObject(id, $(id).value),
      image: () => this.image.value(),
      audio: () => this.audio.value(),
      points: () => this.points.value(),
      messages: () => this.messages.value(),
    };
  }
}

function readNumber(id, text) {
  if (text.trim() === "") return undefined;
  const value = Number(text);
  if (!Number.isFinite(value)) throw new Error(`${id}: not a number`);
  return value;
}

function readJsonObject(id, text) {
  if (text.trim() === "") return undefined;
  let value;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`${id}: not valid JSON (${error.message})`);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new Error(`${id}: must be a JSON object, like {"prompt": "…"}`);
  }
  return value;
}
