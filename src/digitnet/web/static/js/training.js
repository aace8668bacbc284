// The Train tab: the form, starting and stopping a training, and following its steps and epochs as they come
// (the pace buttons, Restore and the One step card: training-watch.js).

import { $, api, count, fmt, paintWeights, percent } from "./helpers.js";
import { training } from "./state.js";
import { readNumber, showProblem } from "./forms.js";
import { drawCurve, followCurveSize } from "./curve.js";
import { loadModel } from "./model.js";
import { requestPredict } from "./predict.js";
import { setupWatch, showDead, showModelDead, showPace, showStep } from "./training-watch.js";

// What the page's two recipes are, in words; their settings come from the server (GET /api/recipes).
const RECIPE_HINTS = {
  seed: "seed: sigmoid neurons, mean squared error, plain stochastic gradient descent on batches of 10, as in the slides.",
  modern: "modern: ReLU neurons, softmax output with cross-entropy, and the Adam optimizer: what is done today.",
};

// The boxes start from the chosen recipe's own settings, as src/digitnet/recipes.py has them.
function showRecipe(name) {
  const settings = training.recipes[name];
  $("train-recipe-hint").textContent = RECIPE_HINTS[name] || name;
  if (!settings) return; // the server's list has not come (yet): the boxes keep what they show
  $("train-learning-rate").value = settings.learning_rate;
  $("train-batch-size").value = settings.batch_size;
  $("train-recipe-epochs").textContent = settings.epochs;
}

export function setupTraining() {
  const recipe = $("train-recipe");
  recipe.addEventListener("change", () => showRecipe(recipe.value));
  api("/api/recipes").then((recipes) => {
    training.recipes = recipes;
    if (!training.source) showRecipe(recipe.value);
  }).catch(() => {});
  $("train-start").addEventListener("click", startTraining);
  for (const id of ["train-learning-rate", "train-batch-size", "train-epochs", "train-examples"]) {
    $(id).addEventListener("input", () => showProblem($(id), null));
  }
  $("train-stop").addEventListener("click", async () => {
    try {
      const r = await api("/api/train/stop", { body: {} });
      setStatus(r.stopping ? "Stopping after this epoch…" : "Nothing to stop.");
    } catch (error) { setStatus(error.message, true); }
  });
  const grid = $("train-weights");
  for (let i = 0; i < 16; i++) {
    const c = document.createElement("canvas");
    c.width = 28;
    c.height = 28;
    c.title = `hidden neuron ${i}`;
    c.setAttribute("role", "img");
    c.setAttribute("aria-label", `The 784 incoming weights of layer 1 neuron ${i} as a 28x28 image`);
    grid.appendChild(c);
  }
  setupWatch(setStatus);
  followCurveSize();
  drawCurve();
  // If a training is already running (page reloaded), follow it; else show the last one's curves.
  api("/api/train/status").then((s) => {
    if (s && s.running) followRunning(s);
    else {
      showModelDead();
      showLastTraining();
    }
  }).catch(() => {});
}

// The curves of the training that ended before this page was loaded (the server keeps its events).
async function showLastTraining() {
  const last = await api("/api/train/history");
  if (!last.events.length) return;
  training.history = [];
  training.steps = [];
  let done = null;
  for (const d of last.events) {
    if (d.event === "done") done = d;
    else take(d.event, d, false);
  }
  if (last.settings) {
    $("train-settings").textContent = `Last training: ${describeSettings(last.settings, last.settings.epochs)} ` +
      "(before this page was loaded).";
  }
  drawCurve();
  if (done) {
    const { text, error } = describeDone(done);
    setStatus(`Before this page was loaded: ${text}`, error);
  }
}

function setStatus(text, error = false) {
  $("train-status").textContent = text;
  $("train-status").classList.toggle("error", error);
}

// A box's name, from its label without the "(empty: ...)" note.
function boxName(id) {
  return document.querySelector(`label[for="${id}"]`).firstChild.textContent.trim();
}

// The training form as the body of POST /api/train, or null (nothing is sent) if a box needs fixing.
function readTrainingForm() {
  const boxes = { learning_rate: ["train-learning-rate", false], batch_size: ["train-batch-size", true],
    epochs: ["train-epochs", true], examples: ["train-examples", true] };
  const body = { recipe: $("train-recipe").value, speed: $("train-speed").value };
  const wrong = [];
  for (const [field, [id, whole]] of Object.entries(boxes)) {
    const read = readNumber(id, whole);
    if (read.problem) wrong.push(boxName(id));
    else if (read.value !== undefined) body[field] = read.value;
  }
  if (wrong.length) {
    setStatus(`Not started: see the note under ${wrong.join(" and ")}.`, true);
    return null;
  }
  return body;
}

// In words: what a training runs with, from the body sent and the number of epochs it will run.
function describeSettings(body, epochs) {
  const examples = body.examples === undefined ? "all 60,000" : body.examples.toLocaleString("en");
  const ownEpochs = body.epochs === undefined ? " (the recipe's number)" : "";
  return `${count(epochs, "epoch")}${ownEpochs} of the ${body.recipe} recipe, learning rate ${body.learning_rate}, ` +
    `batches of ${body.batch_size}, ${examples} training examples`;
}

async function startTraining() {
  const start = $("train-start");
  start.disabled = true; // at once: one click, one request
  const body = readTrainingForm();
  if (!body) {
    start.disabled = false;
    return;
  }
  try {
    await api("/api/train", { body });
  } catch (error) {
    setStatus(error.message, true);
    start.disabled = false;
    return;
  }
  training.history = [];
  training.steps = [];
  training.lastStep = null;
  $("train-step-view").hidden = true;
  training.total = body.epochs || await runningEpochs(body.recipe);
  drawCurve();
  const settings = describeSettings(body, training.total);
  $("train-settings").textContent = `Running with: ${settings}.`;
  setStatus(`Training started: ${settings}… (loading data may take a few seconds)`);
  followTraining(body.speed === "step");
}

// How many epochs the running training has: the server says; else the recipe's own number.
async function runningEpochs(recipe) {
  try {
    const status = await api("/api/train/status");
    if (status.epochs) return status.epochs;
  } catch (_) { /* the recipe's number below */ }
  return training.recipes[recipe] ? training.recipes[recipe].epochs : "?";
}

// A training was running when the page loaded: the server tells only its number of epochs.
function followRunning(status) {
  training.total = status.epochs;
  const settings = status.settings;
  if (settings) { // the form shows what the running training was started with
    $("train-recipe").value = settings.recipe;
    $("train-recipe-hint").textContent = RECIPE_HINTS[settings.recipe] || settings.recipe;
    $("train-learning-rate").value = settings.learning_rate;
    $("train-batch-size").value = settings.batch_size;
    $("train-epochs").value = settings.epochs;
    $("train-examples").value = settings.examples;
    $("train-settings").textContent = `Running with: ${describeSettings(settings, settings.epochs)} ` +
      `(started before this page was loaded).`;
  } else {
    $("train-epochs").value = status.epochs;
    $("train-settings").textContent = `Running: a training started before this page was loaded, ` +
      `${count(status.epochs, "epoch")}.`;
  }
  setStatus(`A training is running: ${status.epoch} of ${count(status.epochs, "epoch")} done.`);
  followTraining(status.paused);
}

// One event of the stream (or of the last training's history, ``live`` false: the curve only; the tiles
// show the network in use): the curve, the tiles, the words.
function take(name, d, live) {
  if (live && d.weights0) d.weights0.forEach((w, i) => paintWeights($("train-weights").children[i], w));
  if (live && d.dead) showDead(d.dead);
  if (name === "epoch") {
    training.history[d.epoch] = d;
    training.total = d.epochs;
    if (!live) return;
    setStatus(d.epoch === 0
      ? `Epoch 0, before any training: the random network reads ${percent(d.test_accuracy)} of test digits ` +
        `right (one in ten is chance), cost ${fmt(d.test_cost, 4)}.`
      : `Epoch ${d.epoch} of ${d.epochs}: ${percent(d.test_accuracy)} of test digits right, ` +
        `cost ${fmt(d.test_cost, 4)} (${d.seconds.toFixed(1)} s).`);
  } else if (name === "step") {
    training.steps.push(d);
    training.lastStep = d;
    if (d.batch && live) showStep(d);
    if (live && !training.paused) {
      setStatus(`Epoch ${d.epoch}, mini-batch ${d.step.toLocaleString("en")} of ${d.steps.toLocaleString("en")}: ` +
        `its cost ${fmt(d.batch_cost, 4)}.`);
    }
  }
}

let drawing = 0; // one redraw of the curve per frame, however many events came
function redraw() {
  if (!drawing) drawing = requestAnimationFrame(() => { drawing = 0; drawCurve(); });
}

function followTraining(paused) {
  if (training.source) training.source.close();
  $("train-start").disabled = true;
  $("train-stop").disabled = false;
  const source = new EventSource("/api/train/events");
  training.source = source;
  training.steps = [];
  training.paused = false;
  showPace({ paused });
  for (const name of ["epoch", "step"]) {
    source.addEventListener(name, (e) => {
      take(name, JSON.parse(e.data), true);
      redraw();
      if (name === "step" && (training.paused || e.data.includes('"batch"'))) {
        api("/api/train/status").then(showPace).catch(() => {});
      }
    });
  }
  source.addEventListener("done", async (e) => {
    source.close();
    training.source = null;
    drawCurve(); // every event drawn before the last words (redraws otherwise wait for the next frame)
    showPace(null);
    $("train-start").disabled = false;
    $("train-stop").disabled = true;
    const d = JSON.parse(e.data);
    const { text, error } = describeDone(d);
    setStatus(text, error);
    $("train-settings").textContent = $("train-settings").textContent.replace(/^Running/, "Last training");
    if (d.epochs > 0) {
      await loadModel();
      requestPredict();
      showModelDead();
    }
  });
  source.onerror = () => {
    if (source.readyState === EventSource.CLOSED) {
      setStatus("Lost the connection to the training.", true);
      $("train-start").disabled = false;
      $("train-stop").disabled = true;
    }
  };
}

// The sentence for the stream's "done" event: {stopped, epochs, test_accuracy, error?}.
function describeDone(d) {
  const reasons = {
    diverged: "the cost blew up; try a smaller learning rate",
    stuck: "the network stopped learning (its neurons saturated); try another learning rate",
  };
  if (d.stopped === "error") {
    return { text: `Training failed: ${(d.error || "").replace(/^training failed: /, "")}. The Draw tab keeps the network it had.`, error: true };
  }
  if (d.epochs === 0) {
    const kept = "The Draw tab keeps the network it had.";
    if (reasons[d.stopped]) return { text: `Stopped in the first epoch: ${reasons[d.stopped]}. ${kept}`, error: true };
    if (d.stopped === "interrupted") return { text: `Stopped before the first epoch ended. ${kept}`, error: false };
    return { text: "No training ran.", error: false };
  }
  const after = count(d.epochs, "epoch");
  const acc = d.test_accuracy === null || d.test_accuracy === undefined ? ""
    : ` ${percent(d.test_accuracy)} of test digits right.`;
  const worse = d.replaced_test_accuracy !== undefined && d.replaced_test_accuracy !== null &&
    d.test_accuracy !== null && d.test_accuracy < d.replaced_test_accuracy;
  const uses = worse
    ? ` This network is worse than the one it replaced (${percent(d.replaced_test_accuracy)}), and the Draw tab ` +
      "now uses it: Restore brings back the network the page started with."
    : " The Draw tab now uses this network.";
  if (reasons[d.stopped]) return { text: `Stopped after ${after}: ${reasons[d.stopped]}.${acc}${uses}`, error: true };
  const why = d.stopped === "interrupted" ? "Stopped early" : "Finished";
  return { text: `${why} after ${after}.${acc}${uses}`, error: worse };
}
