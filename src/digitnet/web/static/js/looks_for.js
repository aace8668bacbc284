// "What it looks for": a neuron past the first layer, seen as a 28x28 image. Its weights applied
// to the first layer's weight images: for a layer-2 neuron j, sum_k weights[1][k, j] * weights[0][:, k];
// for an output, the same again through layer 2. A linear combination: it leaves out the activation
// functions and the biases, so it is a guide to what the neuron responds to, not what it computes.

import { $, paintWeights } from "./helpers.js";
import { state } from "./state.js";

// The (784,) image of neuron `index` of `layer` (2 or more): the first layer's weight images
// combined by the weights on the way to it.
export function looksFor(weights, layer, index) {
  // v[k]: how much first-layer neuron k's image counts for the neuron, through the layers between
  let v = weights[layer - 1].map((row) => row[index]);
  for (let l = layer - 2; l >= 1; l--) v = weights[l].map((row) => row.reduce((s, w, j) => s + w * v[j], 0));
  return weights[0].map((row) => row.reduce((s, w, k) => s + w * v[k], 0));
}

export function paintLooksFor(layer, index) {
  const box = $("neuron-looks");
  const m = state.model;
  box.hidden = !m || layer < 2;
  if (box.hidden) return;
  const image = looksFor(m.weights, layer, index);
  paintWeights($("neuron-looks-for"), image, 28, 28);
  const f = m.activation === "relu" ? "ReLU" : m.activation;
  const name = layer === m.sizes.length - 1 ? `output ${index}` : `layer ${layer} neuron ${index}`;
  const combination = layer === 2
    ? "its 16 weights applied to the 16 weight images of layer 1: Σₖ w[k] × (image of layer-1 neuron k)"
    : "its weights applied to layer 2's images, each itself a sum of layer 1's weight images";
  $("neuron-looks-hint").textContent = `What it looks for, roughly: ${combination}. This linear combination ` +
    `leaves out the ${f} and the biases, so it is a guide to what lights ${name} up (ink on blue), not what it computes.`;
  $("neuron-looks-for").setAttribute("aria-label", `What ${name} looks for: its weights applied to the ` +
    "first layer's weight images, blue positive, red negative.");
}
