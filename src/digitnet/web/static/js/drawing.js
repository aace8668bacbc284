// The drawing canvas: the pen, the eraser, and the drawing as ink values to send.

import { $ } from "./helpers.js";
import { setupPicker } from "./picker.js";

export const SEND_SIZE = 140; // the drawing is shrunk to this before it is sent

const draw = { canvas: null, ctx: null, last: null, drawing: false };

// `requestPredict(options)` is called whenever the drawing changes: predict.js's, handed over by
// main.js, so that the pen and the prediction that reads its canvas need not import each other.
export function setupDrawing(requestPredict) {
  draw.canvas = $("draw-canvas");
  draw.ctx = draw.canvas.getContext("2d");
  clearCanvas();

  const brush = $("brush-size");
  brush.addEventListener("input", () => { $("brush-size-value").textContent = brush.value; });
  $("eraser").addEventListener("click", (e) => {
    const on = e.currentTarget.getAttribute("aria-pressed") !== "true";
    e.currentTarget.setAttribute("aria-pressed", String(on));
  });
  $("clear").addEventListener("click", () => { clearCanvas(); requestPredict(); });
  $("prepare").addEventListener("change", () => requestPredict());
  setupPicker(requestPredict);

  const c = draw.canvas;
  c.addEventListener("pointerdown", (e) => {
    e.preventDefault();
    try { c.setPointerCapture(e.pointerId); } catch (_) { /* a pointer the browser no longer tracks */ }
    draw.drawing = true;
    draw.last = canvasPoint(e);
    strokeTo(draw.last);
    requestPredict();
  });
  c.addEventListener("pointermove", (e) => {
    if (!draw.drawing) return;
    const events = e.getCoalescedEvents ? e.getCoalescedEvents() : [e];
    for (const ev of (events.length ? events : [e])) strokeTo(canvasPoint(ev));
    requestPredict();
  });
  const end = () => {
    if (!draw.drawing) return;
    draw.drawing = false;
    draw.last = null;
    requestPredict({ now: true });
  };
  c.addEventListener("pointerup", end);
  c.addEventListener("pointercancel", end);
}

function canvasPoint(e) {
  const rect = draw.canvas.getBoundingClientRect();
  return {
    x: (e.clientX - rect.left) * (draw.canvas.width / rect.width),
    y: (e.clientY - rect.top) * (draw.canvas.height / rect.height),
  };
}

function strokeTo(point) {
  const ctx = draw.ctx;
  const from = draw.last || point;
  ctx.strokeStyle = $("eraser").getAttribute("aria-pressed") === "true" ? "#ffffff" : "#000000";
  ctx.lineWidth = Number($("brush-size").value);
  ctx.lineCap = "round";
  ctx.lineJoin = "round";
  ctx.beginPath();
  ctx.moveTo(from.x, from.y);
  ctx.lineTo(point.x + (from === point ? 0.01 : 0), point.y);
  ctx.stroke();
  draw.last = point;
}

function clearCanvas() {
  draw.ctx.fillStyle = "#ffffff";
  draw.ctx.fillRect(0, 0, draw.canvas.width, draw.canvas.height);
}

// An MNIST digit (784 values, 0 paper to 1 ink, row by row) drawn over the whole canvas, black on
// white like a drawing, so that it is sent and predicted as one.
export function putDigit(pixels) {
  const small = document.createElement("canvas");
  small.width = 28;
  small.height = 28;
  const sctx = small.getContext("2d");
  const image = sctx.createImageData(28, 28);
  pixels.forEach((ink, i) => {
    const v = Math.round(255 * (1 - ink));
    image.data.set([v, v, v, 255], i * 4);
  });
  sctx.putImageData(image, 0, 0);
  clearCanvas();
  draw.ctx.imageSmoothingEnabled = true;
  draw.ctx.drawImage(small, 0, 0, draw.canvas.width, draw.canvas.height);
}

// The drawing shrunk to SEND_SIZE x SEND_SIZE, as ink values (1 = black ink, 0 = white paper).
export function canvasInk() {
  const small = document.createElement("canvas");
  small.width = SEND_SIZE;
  small.height = SEND_SIZE;
  const ctx = small.getContext("2d");
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = "high";
  ctx.drawImage(draw.canvas, 0, 0, SEND_SIZE, SEND_SIZE);
  const data = ctx.getImageData(0, 0, SEND_SIZE, SEND_SIZE).data;
  const pixels = new Array(SEND_SIZE * SEND_SIZE);
  for (let i = 0; i < pixels.length; i++) {
    const lum = (0.299 * data[4 * i] + 0.587 * data[4 * i + 1] + 0.114 * data[4 * i + 2]) / 255;
    pixels[i] = Math.round((1 - lum) * 1000) / 1000;
  }
  return pixels;
}
