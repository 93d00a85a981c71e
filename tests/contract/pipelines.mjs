// The ten pipelines of the spec with typical parameters: `params()` as JS passes them to
// `service.run` (gateway names, media as Blobs), and `request()` as a client would send
// them straight to the gateway (a JSON text or a FormData, fetch init options).
import { encodePng, encodeWav } from "./media.mjs";

const PNG = encodePng(64, 48, (x, y) => [x * 4, y * 5, 128]);
const WAV = encodeWav(0.5);

const png = () => new Blob([PNG], { type: "image/png" });
const wav = () => new Blob([WAV], { type: "audio/wav" });
const LIVE_IN = "http://127.0.0.1:9/live/in";
const LIVE_OUT = "http://127.0.0.1:9/live/out";

/** One row per pipeline: `{name, params, request}`, in the spec's order. */
export const PIPELINES = [
  {
    name: "text-to-image",
    params: () => ({
      prompt: "a red fox in the snow",
      negative_prompt: "blurry",
      width: 64,
      height: 48,
      seed: 42,
      guidance_scale: 7.5,
      num_inference_steps: 4,
      safety_check: true,
      num_images_per_prompt: 2,
    }),
    request: () => json({
      model_id: "",
      prompt: "a red fox in the snow",
      width: 64,
      height: 48,
      seed: 42,
      num_images_per_prompt: 2,
    }),
  },
  {
    name: "image-to-image",
    params: () => ({ prompt: "the same, in autumn", image: png(), strength: 0.6, seed: 7 }),
    request: () => form({
      prompt: "the same, in autumn",
      image: png(),
      model_id: "",
      strength: "0.6",
      seed: "7",
      safety_check: "true",
    }),
  },
  {
    name: "image-to-video",
    params: () => ({ image: png(), width: 64, height: 48, fps: 6, seed: 7 }),
    request: () => form({
      image: png(),
      model_id: "",
      width: "64",
      height: "48",
      fps: "6",
      motion_bucket_id: "127",
      noise_aug_strength: "0.02",
      seed: "7",
    }),
  },
  {
    name: "upscale",
    params: () => ({ prompt: "sharper", image: png(), seed: 7 }),
    request: () => form({ prompt: "sharper", image: png(), model_id: "", seed: "7" }),
  },
  {
    name: "audio-to-text",
    params: () => ({ audio: wav(), return_timestamps: "true" }),
    request: () => form({ audio: wav(), model_id: "", return_timestamps: "true" }),
  },
  {
    name: "segment-anything-2",
    params: () => ({
      image: png(),
      point_coords: "[[32,24]]",
      point_labels: "[1]",
      multimask_output: true,
    }),
    request: () => form({
      image: png(),
      model_id: "",
      point_coords: "[[32,24]]",
      point_labels: "[1]",
      multimask_output: "true",
    }),
  },
  {
    name: "llm",
    params: () => ({ messages: [{ role: "user", content: "Say hello." }], max_tokens: 16 }),
    request: () => json({
      messages: [{ role: "user", content: "Say hello." }],
      model: "",
      max_tokens: 16,
      stream: false,
    }),
  },
  {
    name: "image-to-text",
    params: () => ({ image: png(), prompt: "What is in the picture?" }),
    request: () => form({ image: png(), prompt: "What is in the picture?", model_id: "" }),
  },
  {
    name: "live-video-to-video",
    params: () => ({ subscribe_url: LIVE_IN, publish_url: LIVE_OUT, params: { prompt: "fox" } }),
    request: () => json({
      subscribe_url: LIVE_IN,
      publish_url: LIVE_OUT,
      model_id: "",
      params: { prompt: "fox" },
    }),
  },
  {
    name: "text-to-speech",
    params: () => ({ text: "Hello there.", description: "A calm, slow voice." }),
    request: () => json({ model_id: "", text: "Hello there.", description: "A calm voice." }),
  },
];

/** Fetch options for a JSON body. */
export function json(body) {
  return {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  };
}

/** Fetch options for a multipart body; Blob values become files. */
export function form(fields) {
  const data = new FormData();
  for (const [name, value] of Object.entries(fields)) {
    if (value instanceof Blob) data.append(name, value, `${name}.${extension(value)}`);
    else data.append(name, value);
  }
  return { method: "POST", body: data };
}

function extension(blob) {
  return blob.type === "audio/wav" ? "wav" : "png";
}
