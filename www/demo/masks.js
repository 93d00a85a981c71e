// A segment-anything-2 result: the best mask laid semi-transparent over the image the
// job was given, the points it was given, and every mask's score.
import { el } from "./dom.js";
import { drawPoints } from "./points.js";

const TINT = [47, 95, 208, 150];

/**
 * Renders masks over `image`. The canvas is drawn once the image is decoded; it then
 * gets `data-drawn="true"` and `data-mask-pixels` (how many mask pixels are set).
 * @param {import("/pkg/comfyui_livepeer.js").MasksOutput} output
 * @param {{image?: Blob, point_coords?: number[][], point_labels?: number[]}} params
 * @returns {HTMLElement}
 */
export function renderMasks(output, params) {
  const canvas = el("canvas", { "data-testid": "job-masks", width: "1", height: "1" });
  const { count, height, width } = maskShape(output.masks);
  const scores = Array.from(output.scores.data, (score, n) => el("li", {
    text: `mask ${n + 1}: score ${score.toFixed(3)}${n === 0 ? " (shown)" : ""}`,
  }));
  const caption = el("figcaption", { text: `${count} × ${width}×${height} masks` });
  const figure = el("figure", { class: "masks" }, canvas, caption,
    el("ol", { class: "scores", "data-testid": "job-scores" }, ...scores));

  draw(canvas, output.masks, params).catch((error) => {
    caption.textContent = `The masks could not be drawn: ${error.message}`;
  });
  return figure;
}

async function draw(canvas, masks, params) {
  if (!params.image) throw new Error("the job's image is not known");
  const bitmap = await createImageBitmap(params.image);
  canvas.width = bitmap.width;
  canvas.height = bitmap.height;
  const context = canvas.getContext("2d");
  context.drawImage(bitmap, 0, 0);
  bitmap.close();

  const { overlay, setPixels } = firstMask(masks);
  context.imageSmoothingEnabled = false;
  context.drawImage(overlay, 0, 0, canvas.width, canvas.height);
  const points = (params.point_coords ?? []).map(([x, y], n) => ({
    x, y, label: params.point_labels?.[n] ?? 1,
  }));
  drawPoints(context, points, Math.max(canvas.width, canvas.height));
  canvas.dataset.maskPixels = String(setPixels);
  canvas.dataset.drawn = "true";
}

/** The first mask as a tinted canvas of the mask's own size; logits count where > 0. */
function firstMask(masks) {
  const { height, width } = maskShape(masks);
  if (masks.data.length < height * width) throw new Error("the mask data is too short");
  const pixels = new ImageData(width, height);
  let setPixels = 0;
  for (let i = 0; i < width * height; i++) {
    if (masks.data[i] > 0) {
      pixels.data.set(TINT, i * 4);
      setPixels++;
    }
  }
  const overlay = el("canvas", { width: String(width), height: String(height) });
  overlay.getContext("2d").putImageData(pixels, 0, 0);
  return { overlay, setPixels };
}

/** N, H and W of an N×H×W (or H×W) array. */
function maskShape({ shape }) {
  const [height, width] = shape.slice(-2);
  return { count: shape.length > 2 ? shape[0] : 1, height, width };
}
