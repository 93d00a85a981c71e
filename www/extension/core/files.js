// File names: the files a loader widget names, and the names of uploaded results.
//
// Pure functions: no DOM, no ComfyUI.

/** The input-folder subfolder that holds uploaded Livepeer results. */
export const RESULT_SUBFOLDER = "livepeer";

const EXTENSIONS = {
  "image/png": "png",
  "image/jpeg": "jpg",
  "image/webp": "webp",
  "image/gif": "gif",
  "video/mp4": "mp4",
  "video/webm": "webm",
  "audio/wav": "wav",
  "audio/x-wav": "wav",
  "audio/wave": "wav",
  "audio/mpeg": "mp3",
  "audio/ogg": "ogg",
  "audio/flac": "flac",
};

const FALLBACK_EXTENSIONS = { IMAGE: "png", MASK: "png", VIDEO: "mp4", AUDIO: "wav" };

/**
 * Where the file a loader widget names lives, as `/view` takes it: "sub/x.png [input]"
 * gives `{filename: "x.png", subfolder: "sub", type: "input"}`; without a bracketed
 * folder the type is "input".
 * @param {string} value
 */
export function parseLoaderFile(value) {
  let name = value.trim();
  let type = "input";
  const annotated = /^(.*) \[(input|output|temp)\]$/.exec(name);
  if (annotated) [, name, type] = annotated;
  const cut = name.lastIndexOf("/");
  return {
    filename: cut < 0 ? name : name.slice(cut + 1),
    subfolder: cut < 0 ? "" : name.slice(0, cut),
    type,
  };
}

/**
 * The name a job's result file is uploaded under: the job id (made safe for a file
 * name) and an extension from the file's MIME type, or the output type's usual one.
 * @param {string} jobId
 * @param {string} mime
 * @param {string} outputType IMAGE, MASK, VIDEO or AUDIO
 */
export function resultFileName(jobId, mime, outputType) {
  const base = String(jobId).replace(/[^A-Za-z0-9_-]/g, "_") || "result";
  const plain = String(mime ?? "").split(";")[0].trim().toLowerCase();
  const ext = outputType === "MASK" ? "png" : EXTENSIONS[plain] ?? FALLBACK_EXTENSIONS[outputType];
  return `${base}.${ext ?? "bin"}`;
}

/**
 * The core loader node that holds a result, in the prompt's shape (without `_meta`).
 * @param {string} outputType IMAGE, MASK, VIDEO, AUDIO or STRING
 * @param {string} value the uploaded file as "subfolder/name", or a STRING's text
 */
export function loaderFor(outputType, value) {
  switch (outputType) {
    case "IMAGE":
      return { class_type: "LoadImage", inputs: { image: value } };
    case "MASK":
      return { class_type: "LoadImageMask", inputs: { image: value, channel: "alpha" } };
    case "VIDEO":
      return { class_type: "LoadVideo", inputs: { file: value } };
    case "AUDIO":
      return { class_type: "LoadAudio", inputs: { audio: value } };
    case "STRING":
      return { class_type: "PrimitiveStringMultiline", inputs: { value } };
    default:
      throw new Error(`no loader for ${outputType}`);
  }
}

/**
 * The text a STRING output carries for a job's output.
 * @param {{kind: string, text?: string} & Record<string, any>} output
 */
export function outputText(output) {
  if (output.kind === "live_video") {
    const names = ["subscribe_url", "publish_url", "control_url", "events_url",
      "request_id", "manifest_id"];
    return names.map((name) => `${name}: ${output[name] ?? ""}`).join("\n");
  }
  return String(output.text ?? "");
}
