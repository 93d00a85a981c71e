// Segment-anything-2 masks as pictures that ComfyUI's LoadImageMask reads.
//
// LoadImageMask with `channel: "alpha"` gives `1 - alpha`, so the segment is written
// transparent (alpha 0) and the rest opaque (alpha 255), like LoadImage's own mask.
//
// Pure functions: no DOM, no ComfyUI.

/**
 * The index of the best mask: the one with the highest score (the first on a tie or
 * without scores).
 * @param {{shape: number[], data: ArrayLike<number>} | undefined} scores
 * @param {number} count how many masks there are
 */
export function bestMaskIndex(scores, count) {
  let best = 0;
  const data = scores?.data ?? [];
  for (let i = 1; i < Math.min(count, data.length); i += 1) {
    if (data[i] > data[best]) best = i;
  }
  return best;
}

/**
 * The RGBA pixels of one mask of an N×H×W array: black, transparent where the mask is
 * set. Float masks are logits: set where above 0; byte masks are set where non-zero.
 * Throws an Error when the shape does not fit the data.
 * @param {{shape: number[], data: Float32Array | Uint8Array}} masks
 * @param {number} index
 * @returns {{width: number, height: number, rgba: Uint8ClampedArray}}
 */
export function maskPixels(masks, index) {
  const shape = masks.shape;
  const [height, width] = shape.slice(-2);
  const count = shape.slice(0, -2).reduce((product, n) => product * n, 1);
  if (!(width > 0 && height > 0) || masks.data.length < count * width * height) {
    throw new Error(`the masks' shape [${shape}] does not fit their data`);
  }
  const plane = width * height;
  const offset = Math.min(index, count - 1) * plane;
  const logits = masks.data instanceof Float32Array || masks.data instanceof Float64Array;
  const rgba = new Uint8ClampedArray(plane * 4);
  for (let i = 0; i < plane; i += 1) {
    const value = masks.data[offset + i];
    const set = logits ? value > 0 : value !== 0;
    rgba[i * 4 + 3] = set ? 0 : 255;
  }
  return { width, height, rgba };
}
