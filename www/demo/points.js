// The point prompts of segment-anything-2: the chosen image on a canvas where a click
// adds a point, x and y fields for typing one, and the list of points so far. Points
// are in the image's own pixels; choosing another image clears them.
import { el } from "./dom.js";

const MARKER_COLOURS = { 1: "#2f5fd0", 0: "#b3261e" };

/** The points of one segment-anything-2 job. */
export class PointPicker {
  /**
   * @param {(id: string) => HTMLElement} $ finds the picker's elements by id
   * @param {import("./inputs.js").MediaInput} imageInput the image the points are on
   */
  constructor($, imageInput) {
    this.canvas = $("point-canvas");
    this.note = $("point-note");
    this.list = $("point-list");
    this.x = $("point-x");
    this.y = $("point-y");
    this.label = $("point-label");
    this.points = [];
    this.bitmap = null;
    this.loading = 0;

    this.canvas.addEventListener("click", (event) => this.#clicked(event));
    $("point-add").addEventListener("click", () => this.#typed());
    $("point-clear").addEventListener("click", () => this.#setPoints([]));
    imageInput.onChange((blob) => this.#load(blob));
    this.#load(imageInput.current());
  }

  /**
   * The points as parameters: `point_coords` and `point_labels`, or nothing when no
   * point was added (the gateway then uses the image's centre).
   */
  value() {
    if (this.points.length === 0) return {};
    return {
      point_coords: this.points.map(({ x, y }) => [x, y]),
      point_labels: this.points.map(({ label }) => label),
    };
  }

  async #load(blob) {
    const loading = ++this.loading;
    this.points = [];
    let bitmap = null;
    if (blob) bitmap = await createImageBitmap(blob).catch(() => null);
    if (loading !== this.loading) {
      bitmap?.close();
      return;
    }
    this.bitmap?.close();
    this.bitmap = bitmap;
    if (!blob) this.note.textContent = "Choose an image first.";
    else if (!bitmap) this.note.textContent = "This file is not an image the browser can show.";
    else this.note.textContent = `${bitmap.width} × ${bitmap.height} pixels`;
    this.#setPoints([]);
  }

  #clicked(event) {
    if (!this.bitmap) return;
    const box = this.canvas.getBoundingClientRect();
    const { width, height } = this.bitmap;
    const x = Math.floor(((event.clientX - box.left) / box.width) * width);
    const y = Math.floor(((event.clientY - box.top) / box.height) * height);
    this.#add(clamp(x, width - 1), clamp(y, height - 1));
  }

  #typed() {
    const x = Number(this.x.value);
    const y = Number(this.y.value);
    if (this.x.value.trim() === "" || this.y.value.trim() === "" ||
      !Number.isInteger(x) || !Number.isInteger(y) || x < 0 || y < 0) {
      this.note.textContent = "x and y must be whole numbers of pixels, 0 or more.";
      return;
    }
    this.#add(x, y);
  }

  #add(x, y) {
    this.#setPoints([...this.points, { x, y, label: Number(this.label.value) }]);
  }

  #setPoints(points) {
    this.points = points;
    this.list.replaceChildren(...points.map(({ x, y, label }) => el("li", {
      "data-testid": "point",
      text: `${x}, ${y} · ${label === 1 ? "object" : "background"}`,
    })));
    this.#draw();
  }

  #draw() {
    this.canvas.hidden = !this.bitmap;
    if (!this.bitmap) return;
    const { width, height } = this.bitmap;
    this.canvas.width = width;
    this.canvas.height = height;
    const context = this.canvas.getContext("2d");
    context.drawImage(this.bitmap, 0, 0);
    drawPoints(context, this.points, Math.max(width, height));
  }
}

/**
 * Draws point markers: a filled dot with a white ring, blue for the object, red for
 * the background, sized for an image whose longest side is `side`.
 * @param {CanvasRenderingContext2D} context
 * @param {{x: number, y: number, label: number}[]} points
 * @param {number} side
 */
export function drawPoints(context, points, side) {
  const radius = Math.max(3, side / 80);
  for (const { x, y, label } of points) {
    context.beginPath();
    context.arc(x, y, radius, 0, 2 * Math.PI);
    context.fillStyle = MARKER_COLOURS[label] ?? MARKER_COLOURS[1];
    context.fill();
    context.lineWidth = radius / 2;
    context.strokeStyle = "#fff";
    context.stroke();
  }
}

function clamp(value, max) {
  return Math.min(Math.max(value, 0), max);
}
