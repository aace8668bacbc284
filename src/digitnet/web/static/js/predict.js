// Live prediction: sending the drawing as it changes, and showing what the network reads.

import { $, api } from "./helpers.js";
import { state } from "./state.js";
import { SEND_SIZE, canvasInk } from "./drawing.js";
import { updateNetwork } from "./network.js";
import { updateNeuronNumbers } from "./neuron.js";

// At most one request in flight while drawing; while it runs, only remember that the drawing
// changed (and when), and send the latest drawing as soon as the answer arrives. When a stroke
// ends, the answer to the finished drawing matters most: an older request still running is
// abandoned and the final drawing is sent at once.
const predictQueue = { inFlight: false, pendingSince: null, latest: null, controller: null, serial: 0 };

export function requestPredict(options = {}) {
  const now = performance.now();
  if (predictQueue.inFlight && !options.now) {
    if (predictQueue.pendingSince === null) predictQueue.pendingSince = now;
    predictQueue.latest = now;
    return;
  }
  if (predictQueue.controller) predictQueue.controller.abort();
  sendPredict(now);
}

async function sendPredict(eventTime) {
  const serial = ++predictQueue.serial;
  const controller = new AbortController();
  predictQueue.controller = controller;
  predictQueue.inFlight = true;
  predictQueue.pendingSince = null;
  try {
    const body = { width: SEND_SIZE, height: SEND_SIZE, pixels: canvasInk(), prepare: $("prepare").checked };
    const result = await api("/api/predict", { body, signal: controller.signal });
    showPrediction(result.blank ? null : result);
    window.lastPredictMs = performance.now() - eventTime;
    $("latency").textContent = `answered in ${Math.round(window.lastPredictMs)} ms`;
  } catch (error) {
    if (error.name === "AbortError") return;  // a newer drawing was sent instead
    $("latency").textContent = `Could not ask the network: ${error.message}`;
  } finally {
    if (serial === predictQueue.serial) {
      predictQueue.inFlight = false;
      predictQueue.controller = null;
      if (predictQueue.pendingSince !== null) sendPredict(predictQueue.latest);
    }
  }
}

export function setupProbabilities() {
  const box = $("probabilities");
  for (let d = 0; d < 10; d++) {
    const row = document.createElement("div");
    row.className = "prob";
    row.dataset.digit = String(d);
    row.innerHTML = `<span class="digit">${d}</span><span class="track"><span class="bar"></span></span><span class="value"></span>`;
    box.appendChild(row);
  }
}

export function showPrediction(result) {
  state.result = result;
  $("answer").textContent = result ? String(result.digit) : "–";
  $("answer-spoken").textContent = result ? `The network reads: ${result.digit}`
    : "The network reads: nothing yet (draw a digit).";
  $("draw-canvas").setAttribute("aria-label", result
    ? `Drawing area: your drawing, which the network reads as ${result.digit}.`
    : "Drawing area: empty. Draw one digit here with the mouse or a finger.");
  for (const row of $("probabilities").children) {
    const d = Number(row.dataset.digit);
    const p = result ? result.probabilities[d] : 0;
    row.querySelector(".bar").style.width = `${(100 * Math.max(0, Math.min(1, p))).toFixed(1)}%`;
    row.querySelector(".value").textContent = result ? `${(100 * p).toFixed(1)}%` : "";
    row.classList.toggle("answer", !!result && d === result.digit);
  }
  showPreview(result ? result.input : null);
  updateNetwork();
  updateNeuronNumbers();
}

function showPreview(input) {
  const canvas = $("preview");
  canvas.setAttribute("aria-label", input ? "What the network sees: your drawing as 28x28 pixels, white ink on black."
    : "What the network sees: an empty 28x28 picture.");
  const ctx = canvas.getContext("2d");
  const image = ctx.createImageData(28, 28);
  for (let i = 0; i < 784; i++) {
    const v = Math.round(255 * (input ? Math.max(0, Math.min(1, input[i])) : 0));
    image.data.set([v, v, v, 255], i * 4); // MNIST style: white ink on black
  }
  ctx.putImageData(image, 0, 0);
}
