// The neuron panel: what the clicked neuron computes, its weights and bias, its z and a.

import { $, api, diverging, fmt, paintWeights } from "./helpers.js";
import { state } from "./state.js";
import { layerActivation, neuronName } from "./network.js";

export function onNetworkClick(e) {
  const el = e.target.closest(".neuron");
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
  showNeuron();
}

export async function showNeuron() {
  const sel = state.selected;
  if (!sel) return;
  const { layer, index } = sel;
  $("neuron-formula").textContent = neuronFormula(layer);
  const canvas = $("neuron-weights");
  if (layer === 0) {
    state.neuronInfo = null;
    $("neuron-title").textContent = `Input pixel: row ${Math.floor(index / 28)}, column ${index % 28}`;
    $("neuron-weights-hint").textContent = "Input pixels have no weights: they are just how much ink the picture has there (0 to 1).";
    canvas.getContext("2d").clearRect(0, 0, 168, 168);
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
    if (layer === 1) {
      paintWeights(canvas, info.weights, 28, 28);
      $("neuron-weights-hint").textContent = "Its 784 weights as a 28x28 image: ink on blue pixels raises its sum, ink on red lowers it.";
      canvas.setAttribute("aria-label", `The 784 incoming weights of ${neuronName(layer, index)} as a 28x28 image: blue positive, red negative.`);
    } else {
      paintBars(canvas, info.weights);
      $("neuron-weights-hint").textContent = `Its ${info.weights.length} incoming weights, one bar per neuron of the layer before: blue up = positive, red down = negative.`;
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

function paintBars(canvas, weights) {
  const ctx = canvas.getContext("2d");
  const { width: w, height: h } = canvas;
  ctx.clearRect(0, 0, w, h);
  ctx.fillStyle = "#fafbfd";
  ctx.fillRect(0, 0, w, h);
  const scale = Math.max(1e-9, ...weights.map(Math.abs));
  const bw = w / weights.length;
  weights.forEach((v, i) => {
    const [r, g, b] = diverging(v / scale);
    const bar = (Math.abs(v) / scale) * (h / 2 - 6);
    ctx.fillStyle = `rgb(${r},${g},${b})`;
    ctx.fillRect(i * bw + 1, v >= 0 ? h / 2 - bar : h / 2, Math.max(1, bw - 2), bar);
  });
  ctx.strokeStyle = "#888";
  ctx.beginPath();
  ctx.moveTo(0, h / 2);
  ctx.lineTo(w, h / 2);
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
