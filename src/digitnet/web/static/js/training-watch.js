// Following a training step by step: the pace buttons (speed, Pause, Resume, One step), Restore, the
// labels over the first-layer tiles (which neurons are dead) and the One step card.

import { $, api, count, fmt, paintWeights, percent } from "./helpers.js";
import { training } from "./state.js";
import { loadModel } from "./model.js";
import { requestPredict } from "./predict.js";

const DEAD_WHY = "it does not fire: its z is below 0 on all 500 test digits probed, so ReLU gives 0 and no " +
  "gradient reaches its weights through those digits (only a digit that makes z positive can revive it)";

export function setupWatch(setStatus) {
  const labels = $("train-weight-labels");
  for (let i = 0; i < 16; i++) {
    const label = document.createElement("span");
    label.textContent = String(i);
    labels.appendChild(label);
  }
  for (let i = 0; i < 16; i++) addTile($("train-step-change"), 28, `change to layer 1 neuron ${i}'s weights`);
  const paced = (path, body) => async () => {
    try {
      let s = await api(path, { body: body ? body() : {} });
      if (s.paused && !s.waiting) setStatus("Pausing after this mini-batch…");
      while (s.running && s.paused && !s.waiting && training.source) { // paused once the training waits
        await new Promise((resolve) => setTimeout(resolve, 100));
        s = await api("/api/train/status");
      }
      showPace(s);
    } catch (error) { setStatus(error.message, true); }
  };
  $("train-pause").addEventListener("click", paced("/api/train/pause"));
  $("train-resume").addEventListener("click", paced("/api/train/resume"));
  $("train-step").addEventListener("click", paced("/api/train/step"));
  $("train-speed").addEventListener("change", () => {
    if (!training.source) return; // the speed a training starts with is sent with it
    const speed = $("train-speed").value;
    if (speed === "step") paced("/api/train/step")();
    else paced("/api/train/speed", () => ({ speed }))().then(() => training.paused && paced("/api/train/resume")());
  });
  $("train-restore").addEventListener("click", async () => {
    try {
      const r = await api("/api/train/restore", { body: {} });
      await loadModel();
      requestPredict();
      showModelDead();
      setStatus(`Restored the network the page started with (${percent(r.test_accuracy)} of test digits right): ` +
        "the Draw tab uses it again.");
    } catch (error) { setStatus(error.message, true); }
  });
}

// The buttons as a running (paused or not) or finished training leaves them.
export function showPace(s) {
  const running = Boolean(training.source);
  training.paused = running && Boolean(s && s.paused);
  $("train-pause").disabled = !running || training.paused;
  $("train-resume").disabled = !running || !training.paused;
  $("train-step").disabled = !running;
  $("train-restore").disabled = running;
  if (training.paused && s.waiting && training.lastStep) {
    const d = training.lastStep;
    $("train-status").textContent = `Paused in epoch ${s.epoch + 1}, after mini-batch ${s.step.toLocaleString("en")} ` +
      `of ${d.steps.toLocaleString("en")}: Resume, or One step to run one mini-batch and see it.`;
    $("train-status").classList.remove("error");
  }
}

// The labels for the network in use (its tiles are painted by model.js): dead as GET /api/dead-neurons says.
export async function showModelDead() {
  try {
    const answer = await api("/api/dead-neurons");
    const first = answer.layers[0] || [];
    const dead = first.map((n, i) => (n.dead ? i : -1)).filter((i) => i >= 0);
    showDead(dead, dead.length ? first[dead[0]].why : undefined);
  } catch (_) { showDead([]); }
}

// The first-layer tiles' labels: each neuron's number, and "dead" with the reason for a dead one.
export function showDead(dead, why = DEAD_WHY) {
  const labels = [...$("train-weight-labels").children];
  labels.forEach((label, i) => {
    const isDead = dead.includes(i);
    label.textContent = isDead ? `${i} dead` : String(i);
    label.classList.toggle("dead", isDead);
  });
  [...$("train-weights").children].forEach((canvas, i) => {
    canvas.title = dead.includes(i) ? `hidden neuron ${i}: dead: ${why}` : `hidden neuron ${i}`;
  });
  $("train-dead").textContent = !dead.length ? "" :
    `Dead: ${dead.length === 1 ? `neuron ${dead[0]}:` : `neurons ${dead.join(", ")}, each because`} ${why}. ` +
    "A dead neuron's tile stops changing.";
}

function addTile(parent, side, label) {
  const canvas = document.createElement("canvas");
  canvas.width = side;
  canvas.height = side;
  canvas.setAttribute("role", "img");
  canvas.setAttribute("aria-label", label);
  parent.appendChild(canvas);
  return canvas;
}

// A training step taken on its own: its digits with their labels and answers, its cost, its change.
export function showStep(d) {
  const b = d.batch;
  $("train-step-view").hidden = false;
  const digits = $("train-step-digits");
  digits.replaceChildren();
  b.images.forEach((pixels, i) => {
    const figure = document.createElement("figure");
    const canvas = addTile(figure, 28, `training digit ${b.labels[i]}`);
    paintDigit(canvas, pixels);
    const caption = document.createElement("figcaption");
    const before = b.answers_before[i];
    const after = b.answers_after[i];
    caption.textContent = `${b.labels[i]}: ${before}` + (after === before ? "" : ` → ${after}`);
    caption.title = `label ${b.labels[i]}; the network read ${before} before the step and ${after} after it`;
    figure.appendChild(caption);
    digits.appendChild(figure);
  });
  [...$("train-step-change").children].forEach((canvas, i) => paintWeights(canvas, b.weight_change[i]));
  const right = (answers) => answers.filter((a, i) => a === b.labels[i]).length;
  $("train-step-text").textContent = `Epoch ${d.epoch}, mini-batch ${d.steps ? `${d.step} of ${d.steps}` : d.step}: ` +
    `${count(b.labels.length, "digit")} (label: answer before → after). Their cost was ${fmt(b.cost_before, 4)} ` +
    `before the step and ${fmt(b.cost_after, 4)} after it; ${right(b.answers_before)} read right before, ` +
    `${right(b.answers_after)} after. Learning rate ${fmt(d.learning_rate, 4)}; all the weights moved ` +
    `${fmt(b.change_size, 4)} in all (the step's length).`;
}

// A training digit (784 values, ink 1) as dark ink on white.
function paintDigit(canvas, pixels) {
  const ctx = canvas.getContext("2d");
  const image = ctx.createImageData(28, 28);
  pixels.forEach((v, i) => {
    const grey = Math.round(255 * (1 - v));
    image.data.set([grey, grey, grey, 255], i * 4);
  });
  ctx.putImageData(image, 0, 0);
}
