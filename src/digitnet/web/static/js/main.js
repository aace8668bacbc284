// digitnet web page: draw a digit, look inside the network, train it, watch gradient descent.
// Vanilla JS, no build step. The HTTP API is described in the project's web contract.
// This module only starts the page; each part lives in its own module, named after its tab or panel.

import { $ } from "./helpers.js";
import { state } from "./state.js";
import { setupTabs } from "./tabs.js";
import { setupDrawing } from "./drawing.js";
import { requestPredict, setupProbabilities, showPrediction } from "./predict.js";
import { buildNetwork } from "./network.js";
import { onNetworkClick, onNetworkKey } from "./neuron.js";
import { setupTraining } from "./training.js";
import { setupDescent } from "./descent.js";
import { loadModel } from "./model.js";
import { setupMyDigits } from "./my_digits.js";

// The page's state stays reachable from the console (and the browser tests) as `state`, as it was
// when the page was one classic script.
window.state = state;

function main() {
  setupTabs();
  setupProbabilities();
  $("network").addEventListener("click", onNetworkClick);
  $("network").addEventListener("keydown", onNetworkKey);
  setupDrawing(requestPredict);
  buildNetwork();
  showPrediction(null);
  setupTraining();
  setupDescent();
  setupMyDigits();
  loadModel();
}

main();
