// Backpropagation, step by step, for the digit on the canvas (3Blue1Brown's chapter 3).
// Every number shown is POST /api/backprop's: digitnet's backprop on a float64 copy of the network.
// Nothing is derived here; this module only draws the numbers (bars, images) and walks the five steps.

import { $, api } from "./helpers.js";
import { state } from "./state.js";
import { divergingBar, fill, paintSigned, plainBar, short } from "./backprop_draw.js";

const STEPS = [
  "the output error: what each output wants",
  "what the outputs ask of the last hidden layer",
  "the deltas of the first hidden layer",
  "each first-layer neuron's weights and −dC/dW",
  "one gradient step on this digit",
];
const MAX_RATE = 1000;  // the server's limit (web/backprop.py)
const bp = { step: 0, answer: null, seen: undefined, serial: 0, taken: false };

export function setupBackprop() {
  const target = $("bp-target");
  for (let d = 0; d < 10; d++) target.add(new Option(String(d), String(d)));
  $("bp-prev").addEventListener("click", () => go(bp.step - 1));
  $("bp-next").addEventListener("click", () => go(bp.step + 1));
  target.addEventListener("change", () => { bp.taken = false; if (bp.step > 0) load(); });
  $("bp-take").addEventListener("click", takeStep);
  $("bp-rate").addEventListener("keydown", (e) => { if (e.key === "Enter") takeStep(); });
  // the drawing is predict.js's: follow its latest answer (a new stroke, a cleared canvas, a picked digit)
  setInterval(followDrawing, 250);
  followDrawing();
}

function followDrawing() {
  if (state.result === bp.seen) return;
  bp.seen = state.result;
  const answer = state.result ? ` (${state.result.digit})` : "";
  $("bp-target").options[0].textContent = `the network's answer${answer}`;
  if (!state.result) {
    bp.answer = null;
    show(0);
    return;
  }
  if (bp.step > 0) load();
  else show(0);
}

function go(step) {
  step = Math.max(0, Math.min(STEPS.length, step));
  if (step > 0 && !bp.answer) {
    load().then(() => show(bp.answer ? step : 0));
    return;
  }
  show(step);
}

function rate() {
  const box = $("bp-rate");
  const value = Number(box.value);
  const ok = box.value.trim() !== "" && Number.isFinite(value) && value > 0 && value <= MAX_RATE;
  box.setAttribute("aria-invalid", String(!ok));
  $("bp-rate-error").hidden = ok;
  $("bp-rate-error").textContent = ok ? "" : `The learning rate must be a number above 0 and at most ${MAX_RATE}.`;
  return ok ? value : null;
}

async function load() {
  if (!state.result) return;
  const learningRate = rate() ?? 3;
  const chosen = $("bp-target").value;
  const body = { input: state.result.input, target: chosen === "" ? null : Number(chosen), learning_rate: learningRate };
  const serial = ++bp.serial;
  $("bp-status").classList.remove("error");
  try {
    const answer = await api("/api/backprop", { body });
    if (serial !== bp.serial) return;  // a newer drawing or choice was sent since
    bp.answer = answer;
    $("bp-status").textContent = "";
    show(bp.step);
  } catch (error) {
    if (serial !== bp.serial) return;
    $("bp-status").textContent = `Could not backpropagate: ${error.message}`;
    $("bp-status").classList.add("error");
  }
}

async function takeStep() {
  if (rate() === null) return;
  bp.taken = true;
  await load();
}

function show(step) {
  bp.step = bp.answer ? step : 0;
  const where = $("bp-where");
  if (!state.result) where.textContent = "Draw a digit first (or pick one), then press Start.";
  else if (bp.step === 0) where.textContent = "Press Start to begin with the output error.";
  else where.textContent = `Step ${bp.step} of ${STEPS.length}: ${STEPS[bp.step - 1]}`;
  $("bp-prev").disabled = bp.step === 0;
  $("bp-next").disabled = !state.result || bp.step === STEPS.length;
  $("bp-next").textContent = bp.step === 0 ? "Start →" : "Next →";
  document.querySelectorAll("#backprop .bp-pane").forEach((pane) => {
    pane.hidden = Number(pane.dataset.step) !== bp.step;
  });
  $("backprop").dataset.step = String(bp.step);
  if (!bp.answer || bp.step === 0) return;
  [showOutputs, showNudges, showFirstDeltas, showGradientImages, showStep][bp.step - 1](bp.answer);
}

// A cost to read: four decimals, or three significant digits once it is below 0.01.
const costText = (cost) => (cost < 0.01 ? cost.toExponential(2) : cost.toFixed(4));

function costSentence(answer) {
  const cost = costText(answer.before.cost);
  return answer.cost_name === "mse"
    ? `The cost of this digit is C = Σ (a − y)² = ${cost}: each output wants to move by −dC/da = −2(a − y).`
    : `The cost of this digit is C = −ln a(target) = ${cost}: only the target's output wants anything directly.`;
}

function showOutputs(answer) {
  const output = answer.layers[answer.layers.length - 1];
  $("bp-target-said").textContent = `It should be ${answer.target}; the network answers ${answer.answer}. ${costSentence(answer)}`;
  const scale = Math.max(1e-12, ...output.wish.map(Math.abs));
  fill($("bp-outputs"), output.wish.map((wish, d) => [
    `<span class="bp-label">${d}</span>`,
    `<span class="bp-num-cell" title="its output a">a = ${output.a[d].toFixed(3)}</span>`,
    `<span class="bp-num-cell" title="what it should be">y = ${d === answer.target ? 1 : 0}</span>`,
    divergingBar(wish, scale, `output ${d} wants to move by`),
  ]), d => (d === answer.target ? "bp-row target" : "bp-row"));
}

function showNudges(answer) {
  const nudges = answer.nudges;
  const last = answer.layers[answer.layers.length - 2];
  const outputDelta = answer.layers[answer.layers.length - 1].delta;
  const through = answer.output_name === "sigmoid" ? "its wish times σ′(z)"
    : `its wish through the ${answer.output_name}, which ties the ten outputs together`;
  $("bp-output-deltas").textContent = "What reaches each output's weighted input, −δ = −dC/dz "
    + `(${through}): ${outputDelta.map((delta, d) => `${d}: ${short(-delta)}`).join(", ")}.`;
  const nudgeScale = Math.max(1e-12, ...nudges.flat().map(Math.abs));
  const sumScale = Math.max(1e-12, ...last.wish.map(Math.abs));
  const head = ["<span></span>", `<span class="bp-mini head" aria-hidden="true">${
    row10().map((j) => `<span class="bp-col">${j}</span>`).join("")}</span>`,
  '<span class="bp-num-cell">the sum: −dC/da</span>'];
  fill($("bp-nudges"), [head, ...nudges.map((row, k) => [
    `<span class="bp-label">${k}</span>`,
    `<span class="bp-mini" role="img" aria-label="what outputs 0 to 9 ask of neuron ${k}">${
      row.map((v, j) => `<span class="bp-col" title="output ${j} asks ${v.toPrecision(3)}"><span class="bp-stick ${v >= 0 ? "pos" : "neg"}" data-value="${v}" style="height:${(50 * Math.abs(v) / nudgeScale).toFixed(2)}%;${v >= 0 ? "bottom" : "top"}:50%"></span></span>`).join("")}</span>`,
    divergingBar(last.wish[k], sumScale, `neuron ${k} of the last hidden layer wants to move by`),
  ])], (i) => (i === 0 ? "bp-row head" : "bp-row"));
}

const row10 = () => [...Array(10).keys()];

function showFirstDeltas(answer) {
  const first = answer.layers[0];
  const wishScale = Math.max(1e-12, ...first.wish.map(Math.abs));
  const deltaScale = Math.max(1e-12, ...first.delta.map(Math.abs));
  fill($("bp-first"), first.delta.map((delta, k) => [
    `<span class="bp-label">${k}</span>`,
    divergingBar(first.wish[k], wishScale, `neuron ${k} wants its output a to move by`),
    `<span class="bp-num-cell" title="the slope of its ${answer.hidden_name} at its z">× ${first.slope[k].toFixed(3)}</span>`,
    divergingBar(-delta, deltaScale, `neuron ${k}: −δ`),
  ]), () => "bp-row four");
}

function showGradientImages(answer) {
  const { weights, minus_grad: minusGrad } = answer.first_layer;
  const weightScale = Math.max(1e-12, ...weights.flat().map(Math.abs));
  const gradScale = Math.max(1e-12, ...minusGrad.flat().map(Math.abs));
  const deltaScale = Math.max(1e-12, ...answer.layers[0].delta.map(Math.abs));
  const box = $("bp-images");
  if (box.children.length !== weights.length) {
    box.innerHTML = weights.map((_, k) => `<figure class="bp-pair"><figcaption>neuron ${k}</figcaption>
      <canvas class="bp-weights" width="28" height="28" role="img" aria-label="neuron ${k}'s incoming weights"></canvas>
      <canvas class="bp-grad" width="28" height="28" role="img" aria-label="neuron ${k}'s −dC/dW"></canvas>
      <span class="bp-delta"></span></figure>`).join("");
  }
  [...box.children].forEach((figure, k) => {
    paintSigned(figure.querySelector(".bp-weights"), weights[k], weightScale);
    paintSigned(figure.querySelector(".bp-grad"), minusGrad[k], gradScale);
    const delta = answer.layers[0].delta[k];
    const faint = Math.abs(delta) < 0.02 * deltaScale ? " (too small to see on this scale)" : "";
    figure.querySelector(".bp-delta").textContent = `−δ = ${short(-delta)}${faint}`;
  });
}

function showStep(answer) {
  const { before, after } = answer;
  $("bp-after").hidden = !bp.taken;
  if (!bp.taken) return;
  const fell = after.cost < before.cost;
  $("bp-step-said").textContent = `At learning rate ${answer.learning_rate}: the cost ${fell ? "falls" : "rises"} `
    + `from ${costText(before.cost)} to ${costText(after.cost)}; the answer ${before.digit === after.digit
      ? `stays ${after.digit}` : `changes from ${before.digit} to ${after.digit}`}. `
    + `The weights and biases moved by ${answer.step_length.toPrecision(3)} in all (the length of the step).`
    + (fell ? "" : " This step went too far: a small enough step down the slope always lowers the cost, so try a smaller rate.");
  $("bp-cost-before").textContent = costText(before.cost);
  $("bp-cost-after").textContent = costText(after.cost);
  $("bp-answer-before").textContent = String(before.digit);
  $("bp-answer-after").textContent = String(after.digit);
  const head = ["<span></span>", '<span class="bp-num-cell">before</span>', '<span class="bp-num-cell">after</span>'];
  fill($("bp-compare"), [head, ...before.outputs.map((a, d) => [
    `<span class="bp-label">${d}</span>`,
    plainBar(a, "before"),
    plainBar(after.outputs[d], "after"),
  ])], (i) => (i === 0 ? "bp-row head" : i - 1 === answer.target ? "bp-row target" : "bp-row"));
}

// Started by its own <script type="module"> in index.html, which runs after main.js's.
setupBackprop();
