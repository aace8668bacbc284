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
  api("/api/verdict-rule").then((r) => { $("verdict-rule").textContent = r.rule; }).catch(() => {});
}

// The ten outputs as the network gives them (each 0 to 1), and a sentence on what they add up to:
// sigmoid outputs are ten separate numbers, not a share of 1; softmax outputs do add up to 1.
function outputsSentence(outputs) {
  if (!outputs) return "";
  const sum = outputs.reduce((a, b) => a + b, 0);
  const softmax = state.model && state.model.output === "softmax";
  const largest = Math.max(...outputs);
  const share = largest / Math.max(sum, 1e-12);
  return softmax
    ? `These softmax outputs add up to 1 (now ${sum.toFixed(3)}): each is the network's share for its digit.`
    : `These are ten separate sigmoid outputs, not probabilities: they need not add up to 1 (now ${sum.toFixed(3)}). ` +
      `The largest, ${largest.toFixed(3)}, is ${(100 * share).toFixed(1)}% of their sum (its share).`;
}

const capitalised = (text) => text.charAt(0).toUpperCase() + text.slice(1);

export function showPrediction(result) {
  state.result = result;
  const outputs = result ? result.activations[result.activations.length - 1] : null;
  const sure = !result || result.verdict.sure;
  $("answer").textContent = result ? String(result.digit) : "–";
  $("answer").classList.toggle("unsure", !sure);
  const verdict = result ? (sure ? "sure" : "not sure: maybe not a digit") : "";
  $("answer-spoken").textContent = result ? `The network reads: ${result.digit} (${verdict})`
    : "The network reads: nothing yet (draw a digit).";
  $("answer-inline").textContent = result ? `The network reads ${result.digit}: ${verdict}` : "The network reads: nothing yet";
  $("answer-inline").classList.toggle("unsure", !sure);
  $("verdict").textContent = result ? (sure ? "Sure by the rule below: none of its parts objects."
    : `Not sure: maybe not a digit. ${capitalised(result.verdict.reasons.join("; "))}.`) : "";
  $("verdict").classList.toggle("unsure", !sure);
  if (result) $("verdict-rule").textContent = result.verdict.rule;
  $("draw-canvas").setAttribute("aria-label", result
    ? `Drawing area: your drawing, which the network reads as ${result.digit} (${verdict}).`
    : "Drawing area: empty. Draw one digit here with the mouse or a finger.");
  for (const row of $("probabilities").children) {
    const d = Number(row.dataset.digit);
    const a = outputs ? outputs[d] : 0;
    row.querySelector(".bar").style.width = `${(100 * Math.max(0, Math.min(1, a))).toFixed(1)}%`;
    row.querySelector(".value").textContent = outputs ? a.toFixed(3) : "";
    row.classList.toggle("answer", !!result && d === result.digit);
  }
  $("outputs-sum").textContent = outputsSentence(outputs);
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
