// The ten Livepeer pipelines as ComfyUI node types: each one's inputs, its one output,
// its widgets (named as the gateway names the fields, with the gateway's defaults) and
// how widget values and input files become the pipeline's parameters.
//
// Pure data and functions: no DOM, no ComfyUI.

/** The category every Livepeer node type is listed under. */
export const CATEGORY = "Livepeer";

/** Largest seed a widget offers: the runners' NumPy seeds must stay below 2^32. */
const MAX_SEED = 0xffffffff;

const text = (name, extra = {}) => ({ name, type: "STRING", default: "", ...extra });
const prompt = (name = "prompt", extra = {}) => text(name, { multiline: true, ...extra });
const int = (name, value, min, max, extra = {}) =>
  ({ name, type: "INT", default: value, min, max, step: 1, ...extra });
const float = (name, value, min, max, step) =>
  ({ name, type: "FLOAT", default: value, min, max, step, round: step });
const bool = (name, value) => ({ name, type: "BOOLEAN", default: value });
const seed = () => int("seed", 0, 0, MAX_SEED, { seed: true });
const modelId = () => text("model_id");
const safetyCheck = () => bool("safety_check", true);
const steps = (value) => int("num_inference_steps", value, 1, 1000);
const size = () => [int("width", 1024, 1, 4096, { step: 8 }),
  int("height", 576, 1, 4096, { step: 8 })];

/**
 * Every Livepeer node type. `inputs` are media sockets named as the gateway's file
 * fields; `output` is the node's one output. Where a pipeline returns several results,
 * `outputNote` says which one the output carries.
 */
export const NODE_DEFS = [
  {
    type: "Livepeer/TextToImage",
    title: "Livepeer Text to Image",
    pipeline: "text-to-image",
    inputs: [],
    output: { name: "IMAGE", type: "IMAGE" },
    outputNote: "the first image of the batch",
    widgets: [
      prompt("prompt", { required: true }), prompt("negative_prompt"), modelId(),
      text("loras"), ...size(), float("guidance_scale", 7.5, 0, 100, 0.1), steps(50),
      int("num_images_per_prompt", 1, 1, 12), safetyCheck(), seed(),
    ],
  },
  {
    type: "Livepeer/ImageToImage",
    title: "Livepeer Image to Image",
    pipeline: "image-to-image",
    inputs: [{ name: "image", type: "IMAGE" }],
    output: { name: "IMAGE", type: "IMAGE" },
    outputNote: "the first image of the batch",
    widgets: [
      prompt("prompt", { required: true }), prompt("negative_prompt"), modelId(),
      text("loras"), float("strength", 0.8, 0, 1, 0.01),
      float("guidance_scale", 7.5, 0, 100, 0.1),
      float("image_guidance_scale", 1.5, 0, 100, 0.1), steps(100),
      int("num_images_per_prompt", 1, 1, 12), safetyCheck(), seed(),
    ],
  },
  {
    type: "Livepeer/ImageToVideo",
    title: "Livepeer Image to Video",
    pipeline: "image-to-video",
    inputs: [{ name: "image", type: "IMAGE" }],
    output: { name: "VIDEO", type: "VIDEO" },
    outputNote: "the first video",
    widgets: [
      modelId(), ...size(), int("fps", 6, 1, 60), int("motion_bucket_id", 127, 0, 255),
      float("noise_aug_strength", 0.02, 0, 1, 0.01), steps(25), safetyCheck(), seed(),
    ],
  },
  {
    type: "Livepeer/Upscale",
    title: "Livepeer Upscale",
    pipeline: "upscale",
    inputs: [{ name: "image", type: "IMAGE" }],
    output: { name: "IMAGE", type: "IMAGE" },
    outputNote: "the first image",
    widgets: [prompt("prompt", { required: true }), modelId(), steps(75), safetyCheck(),
      seed()],
  },
  {
    type: "Livepeer/AudioToText",
    title: "Livepeer Audio to Text",
    pipeline: "audio-to-text",
    inputs: [{ name: "audio", type: "AUDIO" }],
    output: { name: "STRING", type: "STRING" },
    outputNote: "the whole transcript, without its timestamps",
    widgets: [
      modelId(),
      { name: "return_timestamps", type: "COMBO", default: "true",
        choices: ["true", "false", "sentence", "word"] },
    ],
  },
  {
    type: "Livepeer/SegmentAnything2",
    title: "Livepeer Segment Anything 2",
    pipeline: "segment-anything-2",
    inputs: [{ name: "image", type: "IMAGE" }],
    output: { name: "MASK", type: "MASK" },
    outputNote: "the mask with the best score",
    widgets: [
      modelId(), text("point_coords", { placeholder: "[[x, y], ...]" }),
      text("point_labels", { placeholder: "[1, 0, ...]" }),
      text("box", { placeholder: "[x0, y0, x1, y1]" }),
      bool("multimask_output", true), bool("return_logits", true),
      bool("normalize_coords", true),
    ],
  },
  {
    type: "Livepeer/LLM",
    title: "Livepeer LLM",
    pipeline: "llm",
    inputs: [],
    output: { name: "STRING", type: "STRING" },
    outputNote: "the answer's text",
    widgets: [
      prompt("prompt", { required: true }), prompt("system_prompt"), text("model"),
      float("temperature", 0.7, 0, 2, 0.01), int("max_tokens", 256, 1, 1 << 20),
      float("top_p", 1, 0, 1, 0.01), int("top_k", -1, -1, 1 << 20),
    ],
    params: llmParams,
  },
  {
    type: "Livepeer/ImageToText",
    title: "Livepeer Image to Text",
    pipeline: "image-to-text",
    inputs: [{ name: "image", type: "IMAGE" }],
    output: { name: "STRING", type: "STRING" },
    outputNote: "the caption",
    widgets: [prompt("prompt"), modelId()],
  },
  {
    type: "Livepeer/LiveVideoToVideo",
    title: "Livepeer Live Video to Video",
    pipeline: "live-video-to-video",
    inputs: [],
    output: { name: "STRING", type: "STRING" },
    outputNote: "the stream's URLs, one `name: url` line each",
    widgets: [
      text("subscribe_url", { required: true }), text("publish_url", { required: true }),
      text("control_url"), text("events_url"), modelId(),
      prompt("params", { default: "{}" }),
    ],
    params: liveParams,
  },
  {
    type: "Livepeer/TextToSpeech",
    title: "Livepeer Text to Speech",
    pipeline: "text-to-speech",
    inputs: [],
    output: { name: "AUDIO", type: "AUDIO" },
    outputNote: "the speech",
    widgets: [
      prompt("text", { required: true }), modelId(),
      prompt("description", { default: "A male speaker delivers a slightly expressive and "
        + "animated speech with a moderate speed and pitch." }),
    ],
  },
];

const BY_TYPE = new Map(NODE_DEFS.map((def) => [def.type, def]));

/**
 * The definition of a Livepeer node type, or undefined for any other type.
 * @param {string} type a LiteGraph node type such as "Livepeer/TextToImage"
 */
export function nodeDef(type) {
  return BY_TYPE.get(type);
}

/**
 * The pipeline's parameters from a node's widget values and its input files. Empty
 * optional text fields are left out, so the gateway's defaults apply. Throws an Error
 * naming the field when a value cannot be read (such as JSON that does not parse).
 * @param {(typeof NODE_DEFS)[number]} def
 * @param {Record<string, unknown>} values widget values by name
 * @param {Record<string, Blob>} [files] input files by input name
 * @returns {Record<string, unknown>}
 */
export function buildParams(def, values, files = {}) {
  const params = def.params ? def.params(values) : plainParams(def, values);
  for (const input of def.inputs) {
    if (files[input.name] !== undefined) params[input.name] = files[input.name];
  }
  return params;
}

function plainParams(def, values) {
  const params = {};
  for (const widget of def.widgets) {
    const value = values[widget.name];
    if (value === undefined) continue;
    if (widget.type === "STRING" && value === "" && !widget.required) continue;
    params[widget.name] = value;
  }
  return params;
}

function llmParams(values) {
  const messages = [];
  if (values.system_prompt) messages.push({ role: "system", content: values.system_prompt });
  messages.push({ role: "user", content: values.prompt ?? "" });
  const params = { messages };
  for (const name of ["temperature", "max_tokens", "top_p", "top_k"]) {
    if (values[name] !== undefined) params[name] = values[name];
  }
  if (values.model) params.model = values.model;
  return params;
}

function liveParams(values) {
  const params = {};
  for (const name of ["subscribe_url", "publish_url", "control_url", "events_url",
    "model_id"]) {
    if (values[name]) params[name] = values[name];
  }
  params.subscribe_url ??= "";
  params.publish_url ??= "";
  const raw = String(values.params ?? "").trim();
  if (raw) {
    let parsed;
    try {
      parsed = JSON.parse(raw);
    } catch {
      throw new Error("params: not valid JSON");
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
      throw new Error("params: must be a JSON object");
    }
    params.params = parsed;
  }
  return params;
}
