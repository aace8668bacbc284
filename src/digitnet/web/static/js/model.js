// The network in use (GET /api/model): its description, its picture, its first-layer weights.

import { $, api, paintWeights } from "./helpers.js";
import { state, training } from "./state.js";
import { buildNetwork } from "./network.js";
import { networkColours, neuronFormula, showNeuron } from "./neuron.js";

export async function loadModel() {
  try {
    state.model = await api("/api/model");
    const m = state.model;
    const acc = m.test_accuracy === null || m.test_accuracy === undefined ? "not measured"
      : `${(100 * m.test_accuracy).toFixed(1)}% of test digits right`;
    $("model-info").textContent = `Current network: ${m.sizes.join("-")}, ${m.activation} neurons, ` +
      `${m.cost} cost, ${m.n_params.toLocaleString()} weights and biases; ${acc}` + (m.recipe ? ` (recipe: ${m.recipe}).` : ".");
    $("network-colours").textContent = networkColours();
    $("neuron-formula").textContent = neuronFormula(state.selected ? state.selected.layer : 1);
    paintModelWeights(m);
    buildNetwork();
    if (state.selected && state.selected.layer > 0) showNeuron();
  } catch (error) {
    $("model-info").textContent = `Could not load the network: ${error.message}`;
  }
}

// The first-layer weights of the network in use, until a training sends its own.
function paintModelWeights(m) {
  if (training.source) return;
  const first = m.weights[0]; // (784, n_hidden)
  [...$("train-weights").children].forEach((canvas, j) => paintWeights(canvas, first.map((row) => row[j])));
}
