// The ten pipelines as the job form offers them: which fields each one shows, the hints
// beside them, and how the fields become the pipeline's parameters.
//
// `fields` names `[data-field]` blocks of the form, each with its hint ("" for none);
// `params(form)` reads them through the form's readers (see job-form.js), which return
// undefined for an empty optional field and throw an Error naming a wrong one.

/**
 * @typedef {object} FormReader
 * @property {(id: string, options?: {optional?: boolean}) => string | undefined} text
 * @property {(id: string) => number | undefined} number
 * @property {(id: string) => boolean} checked
 * @property {(id: string) => string} choice
 * @property {(id: string) => Record<string, unknown> | undefined} json
 * @property {() => Blob} image
 * @property {() => Blob} audio
 * @property {() => {point_coords?: number[][], point_labels?: number[]}} points
 * @property {() => {role: string, content: string}[]} messages
 */

/** Every pipeline, in the selector's order. */
export const PIPELINES = [
  {
    name: "text-to-image",
    label: "Text to image",
    about: "Pictures drawn from a prompt.",
    fields: { prompt: "", "negative-prompt": "", size: "", seed: "", count: "" },
    params: (form) => ({
      prompt: form.text("prompt"),
      negative_prompt: form.text("negative-prompt", { optional: true }),
      ...imageSize(form),
      seed: form.number("seed"),
      num_images_per_prompt: form.number("num-images"),
    }),
  },
  {
    name: "image-to-image",
    label: "Image to image",
    about: "A picture redrawn as a prompt says.",
    fields: { image: "", prompt: "", "negative-prompt": "", seed: "", count: "" },
    params: (form) => ({
      image: form.image(),
      prompt: form.text("prompt"),
      negative_prompt: form.text("negative-prompt", { optional: true }),
      seed: form.number("seed"),
      num_images_per_prompt: form.number("num-images"),
    }),
  },
  {
    name: "upscale",
    label: "Upscale",
    about: "A picture at a higher resolution.",
    fields: { image: "(PNG)", prompt: "", seed: "" },
    params: (form) => ({
      image: form.image(),
      prompt: form.text("prompt"),
      seed: form.number("seed"),
    }),
  },
  {
    name: "image-to-video",
    label: "Image to video",
    about: "A short video clip that sets a picture in motion.",
    fields: { image: "", size: "", seed: "" },
    params: (form) => ({ image: form.image(), ...imageSize(form), seed: form.number("seed") }),
  },
  {
    name: "image-to-text",
    label: "Image to text",
    about: "A caption for a picture.",
    fields: { image: "", prompt: "(optional; the caption continues it)" },
    params: (form) => ({
      image: form.image(),
      prompt: form.text("prompt", { optional: true }),
    }),
  },
  {
    name: "segment-anything-2",
    label: "Segment anything 2",
    about: "Masks of the object that points on a picture mark.",
    fields: { image: "(PNG)", points: "" },
    params: (form) => ({
      image: form.image(),
      ...form.points(),
      multimask_output: form.checked("multimask"),
    }),
  },
  {
    name: "text-to-speech",
    label: "Text to speech",
    about: "Speech that reads a text aloud.",
    fields: { speech: "" },
    params: (form) => ({
      text: form.text("speech-text"),
      description: form.text("speech-description", { optional: true }),
    }),
  },
  {
    name: "audio-to-text",
    label: "Audio to text",
    about: "A transcript of speech, with timestamps if asked.",
    fields: { audio: "", timestamps: "" },
    params: (form) => ({ audio: form.audio(), return_timestamps: timestamps(form) }),
  },
  {
    name: "llm",
    label: "LLM",
    about: "A language model's answer to a conversation; streamed answers grow live.",
    fields: { messages: "" },
    params: (form) => ({
      messages: form.messages(),
      max_tokens: form.number("max-tokens"),
      stream: form.checked("stream"),
    }),
  },
  {
    name: "live-video-to-video",
    label: "Live video to video",
    about: "Starts a live stream; the answer says where to publish, watch and steer it.",
    fields: { live: "" },
    params: (form) => ({
      subscribe_url: form.text("subscribe-url"),
      publish_url: form.text("publish-url"),
      params: form.json("live-params"),
    }),
  },
];

/**
 * The pipeline with this name, or the first one.
 * @param {string} name
 */
export function findPipeline(name) {
  return PIPELINES.find((pipeline) => pipeline.name === name) ?? PIPELINES[0];
}

/**
 * The parameters of `pipeline` as the form holds them; empty optional fields are left
 * out, so the gateway's defaults apply. Throws an Error naming a wrong field.
 * @param {(typeof PIPELINES)[number]} pipeline
 * @param {FormReader} form
 */
export function readParams(pipeline, form) {
  const params = pipeline.params(form);
  return Object.fromEntries(Object.entries(params).filter(([, value]) => value !== undefined));
}

function imageSize(form) {
  return { width: form.number("width"), height: form.number("height") };
}

function timestamps(form) {
  const choice = form.choice("timestamps");
  return choice === "false" ? false : choice;
}
