// The neuron panel: what the clicked neuron computes, its weights and bias, its z and a.

import { $, api, diverging, fmt, paintWeights } from "./helpers.js";
import { state } from "./state.js";
import { deadInfo, drawConnections, layerActivation, neuronName } from "./network.js";
import { paintLooksFor } from "./looks_for.js";

// A click on a neuron, or on the transparent tap target around it, selects it.
export function onNetworkClick(e) {
  const target = e.target.closest(".neuron, .hit");
  if (!target) return;
  const el = target.classList.contains("neuron") ? target : document.querySelector(
    `#network .neuron[data-layer='${target.dataset.layer}'][data-index='${target.dataset.index}']`);
  if (el) selectNeuron(el);
}

// Enter or Space on a focused neuron opens it, as a click does.
export function onNetworkKey(e) {
  const el = e.target.closest(".neuron");
  if (!el || (e.key !== "Enter" && e.key !== " ")) return;
  e.preventDefault();
  selectNeuron(el);
}

function selectNeuron(el) {
  document.querySelectorAll("#network .selected").forEach((n) => n.classList.remove("selected"));
  el.classList.add("selected");
  state.selected = { layer: Number(el.dataset.layer), index: Number(el.dataset.index) };
  drawConnections();
  showNeuron();
}

// When the dead neurons are known (after the model loads), the open panel says so too.
document.addEventListener("dead-neurons", () => {
  if (state.selected && state.selected.layer > 0) showNeuron();
});

// The panel's sentence on a dead neuron (hidden when the neuron is alive, or not hidden).
export function showDead() {
  const sel = state.selected;
  const info = sel && sel.layer > 0 ? deadInfo(sel.layer, sel.index) : null;
  const note = $("neuron-dead");
  note.hidden = !(info && info.dead);
  note.textContent = info && info.dead ? `Dead: ${info.why}.` : "";
}

export async function showNeuron() {
  const sel = state.selected;
  if (!sel) return;
  const { layer, index } = sel;
  $("neuron-formula").textContent = neuronFormula(layer);
  const canvas = $("neuron-weights");
  showDead();
  paintLooksFor(layer, index);
  if (layer === 0) {
    state.neuronInfo = null;
    $("neuron-title").textContent = `Input pixel: row ${Math.floor(index / 28)}, column ${index % 28}`;
    $("neuron-weights-hint").textContent = "Input pixels have no weights: they are just how much ink the picture has there (0 to 1).";
    canvas.classList.remove("bars");
    canvas.width = canvas.height = 168;
    canvas.setAttribute("aria-label", "An input pixel has no weights.");
    $("neuron-bias").textContent = "none";
    updateNeuronNumbers();
    return;
  }
  const names = { 1: "Hidden layer 1", 2: "Hidden layer 2", 3: "Output" };
  $("neuron-title").textContent = layer === 3 ? `Output neuron for digit ${index}` : `${names[layer]}, neuron ${index}`;
  try {
    const info = await api(`/api/neuron/${layer}/${index}`);
    state.neuronInfo = info;
    canvas.classList.toggle("bars", layer > 1);
    if (layer === 1) {
      canvas.width = canvas.height = 168;
      paintWeights(canvas, info.weights, 28, 28);
      $("neuron-weights-hint").textContent = "Its 784 weights as a 28x28 image: ink on blue pixels raises its sum, ink on red lowers it.";
      canvas.setAttribute("aria-label", `The 784 incoming weights of ${neuronName(layer, index)} as a 28x28 image: blue positive, red negative.`);
    } else {
      paintBars(canvas, info.weights, layer);
      $("neuron-weights-hint").textContent = `Its ${info.weights.length} incoming weights, one bar per neuron of ` +
        `layer ${layer - 1} (numbered under it): blue up = positive, red down = negative.`;
      canvas.setAttribute("aria-label", `The ${info.weights.length} incoming weights of ${neuronName(layer, index)} as bars: ` +
        `${info.weights.filter((w) => w > 0).length} positive, ${info.weights.filter((w) => w < 0).length} negative.`);
    }
    $("neuron-bias").textContent = fmt(info.bias);
  } catch (error) {
    $("neuron-bias").textContent = error.message;
  }
  updateNeuronNumbers();
}

// What a neuron of this layer computes, in words, with the network's own activation function.
const ACTIVATION_WORDS = {
  sigmoid: "squashes the sum into 0 to 1 with the sigmoid (a = σ(z))",
  relu: "keeps the sum if it is positive and gives 0 otherwise, with ReLU (a = max(0, z)): there is no upper limit",
  tanh: "squashes the sum into −1 to 1 with tanh (a = tanh(z))",
};

export function neuronFormula(layer) {
  if (layer === 0) return "Input pixels add nothing up: each is the ink at one spot of the 28x28 picture, 0 to 1.";
  const name = layerActivation(layer);
  const inputs = layer === 1 ? "the pixels weighted by this image" : "the layer before's outputs weighted by these bars";
  if (name === "softmax") {
    return `Each output neuron adds up ${inputs} and its bias (z = w·x + b); softmax then turns the ` +
      "10 sums into probabilities that add up to 1 (a = eᶻ / Σ eᶻ).";
  }
  const words = ACTIVATION_WORDS[name] || `applies ${name} to the sum (a = ${name}(z))`;
  const kind = layer === 3 ? "output" : "hidden";
  return `Each ${kind} neuron adds up ${inputs}, adds its bias (z = w·x + b), and ${words}.`;
}

// The sentence under the network diagram saying what its colours mean for this network.
export function networkColours() {
  const m = state.model;
  const hidden = {
    sigmoid: "Hidden sigmoid neurons give 0 to 1: dark is 0 (quiet), bright is 1 (active).",
    relu: "Hidden ReLU neurons give 0 or more, with no top: dark is 0, and the brightest is the layer's most active neuron (or 1, if none is above 1).",
    tanh: "Hidden tanh neurons give −1 to 1: dark is −1, bright is 1.",
  }[m.activation] || `Hidden ${m.activation} neurons: dark is low, bright is high.`;
  const output = m.output === "softmax" ? "The outputs are softmax probabilities, 0 (dark) to 1 (bright)."
    : `The outputs are ${m.output} neurons, ${m.output === "tanh" ? "−1" : "0"} (dark) to 1 (bright).`;
  return `${hidden} ${output}`;
}

// One bar per incoming weight, numbered by the neuron it comes from (a dead one's number in grey).
const BAR_PITCH = 19; // px per bar: room for a two-digit number at 12 px
const BAR_HEIGHT = 150;
const NUMBERS = 18;   // px under the bars for the numbers

function paintBars(canvas, weights, layer) {
  const dpr = window.devicePixelRatio || 1;
  const w = weights.length * BAR_PITCH;
  const h = BAR_HEIGHT;
  canvas.width = Math.round(w * dpr);
  canvas.height = Math.round(h * dpr);
  canvas.style.setProperty("--bars-width", `${w}px`);
  const ctx = canvas.getContext("2d");
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.fillStyle = "#fafbfd";
  ctx.fillRect(0, 0, w, h);
  const scale = Math.max(1e-9, ...weights.map(Math.abs));
  const mid = (h - NUMBERS) / 2;
  weights.forEach((v, i) => {
    const [r, g, b] = diverging(v / scale);
    const bar = (Math.abs(v) / scale) * (mid - 4);
    ctx.fillStyle = `rgb(${r},${g},${b})`;
    ctx.fillRect(i * BAR_PITCH + 2, v >= 0 ? mid - bar : mid, BAR_PITCH - 4, bar);
    const dead = deadInfo(layer - 1, i);
    ctx.fillStyle = dead && dead.dead ? "#a0a6b4" : "#1f2430";
    ctx.font = "12px system-ui, sans-serif";
    ctx.textAlign = "center";
    ctx.textBaseline = "bottom";
    ctx.fillText(String(i), i * BAR_PITCH + BAR_PITCH / 2, h - 2);
  });
  ctx.strokeStyle = "#888";
  ctx.beginPath();
  ctx.moveTo(0, mid);
  ctx.lineTo(w, mid);
  ctx.stroke();
}

export function updateNeuronNumbers() {
  const sel = state.selected;
  const r = state.result;
  if (!sel) return;
  if (!r) {
    $("neuron-z").textContent = sel.layer === 0 ? "–" : "– (draw a digit first)";
    $("neuron-a").textContent = "– (draw a digit first)";
    return;
  }
  if (sel.layer === 0) {
    $("neuron-z").textContent = "–";
    $("neuron-a").textContent = fmt(r.input[sel.index]);
    return;
  }
  $("neuron-z").textContent = fmt(r.zs[sel.layer - 1][sel.index]);
  $("neuron-a").textContent = fmt(r.activations[sel.layer - 1][sel.index]);
}
