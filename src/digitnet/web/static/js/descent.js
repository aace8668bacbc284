// The Gradient descent tab: simple_gd's walk down a small function, one step at a time (Step), or
// played (Play / Pause); the numbers of each step in a table, and the verdict on the whole walk.

import { $, api } from "./helpers.js";
import { readNumber, showProblem } from "./forms.js";
import { drawBackground, drawWalk, fitCanvas, makeView } from "./descent_plot.js";

const FRAME_MS = 80;  // a point every 80 ms when playing...
const FRAMES = 150;   // ... and a long walk (Rosenbrock's 2,000 steps) several a frame, to be over in 12 s

// The walk on screen: the server's answer, how many of its points are shown, the plot's drawing.
const walk = { data: null, key: "", shown: 0, timer: null, serial: 0, plot: null };

export function setupDescent() {
  $("descent-run").addEventListener("click", runDescent);
  $("descent-pause").addEventListener("click", togglePause);
  $("descent-step").addEventListener("click", stepDescent);
  $("descent-function").addEventListener("change", () => loadWalk());
  $("descent-learning-rate").addEventListener("input", () => showProblem($("descent-learning-rate"), null));
  $("descent-learning-rate").addEventListener("change", () => {
    const wanted = settings();
    if (!wanted || keyOf(wanted) !== walk.key) loadWalk(); // a new rate: its walk, from the start
  });
  new ResizeObserver(() => render(true)).observe($("descent-plot"));
  loadWalk();
}

function functionLabel() {
  const select = $("descent-function");
  return select.options[select.selectedIndex].textContent;
}

// The settings in the form, or null (and the note under the box) if the rate is not usable.
function settings() {
  const name = $("descent-function").value;
  const rate = readNumber("descent-learning-rate", false);
  if (rate.problem) return null;
  return { name, rate: rate.value, nIter: name === "rosenbrock" ? 2000 : 50 };
}

const keyOf = (s) => `${s.name} ${s.rate} ${s.nIter}`;

// Fetch the walk for the form's settings and show its start; false if it could not be had.
async function loadWalk() {
  pause();
  const wanted = settings();
  const out = $("descent-result");
  out.classList.remove("error");
  if (!wanted) {
    out.textContent = "Not run: see the note under Learning rate.";
    out.classList.add("error");
    return false;
  }
  const serial = ++walk.serial;
  let data;
  try {
    data = await api("/api/descent", { body: { function: wanted.name, learning_rate: wanted.rate, n_iter: wanted.nIter } });
  } catch (error) {
    if (serial !== walk.serial) return false; // a newer walk's answer is shown, or is coming
    out.textContent = error.message;
    out.classList.add("error");
    return false;
  }
  if (serial !== walk.serial) return false; // another function or rate was chosen meanwhile
  data.learningRate = wanted.rate;
  data.name = wanted.name;
  Object.assign(walk, { data, key: keyOf(wanted), shown: 1, plot: null });
  $("descent-steps-body").replaceChildren();
  addRows(0, 1);
  out.textContent = "";
  render(true);
  return true;
}

// The walk for the form's settings, fetched if the one shown was for other settings.
async function currentWalk() {
  const wanted = settings();
  if (!wanted) {
    $("descent-result").textContent = "Not run: see the note under Learning rate.";
    $("descent-result").classList.add("error");
    return false;
  }
  if (walk.data && walk.key === keyOf(wanted)) return true;
  return loadWalk();
}

// Run: from the start, played to the end (Pause stops it, Step goes on one step at a time).
async function runDescent() {
  pause();
  if (!(await currentWalk())) return;
  reset();
  play();
}

async function stepDescent() {
  pause();
  if (!(await currentWalk())) return;
  if (walk.shown >= walk.data.path.length) reset(); // at the end: start again
  advance(1);
}

async function togglePause() {
  if (walk.timer) {
    pause();
    return;
  }
  if (!(await currentWalk())) return;
  if (walk.shown >= walk.data.path.length) reset();
  play();
}

function reset() {
  walk.shown = 1;
  $("descent-steps-body").replaceChildren();
  addRows(0, 1);
  render(false);
}

function play() {
  const each = Math.max(1, Math.ceil(walk.data.path.length / FRAMES));
  walk.timer = setInterval(() => advance(each), FRAME_MS);
  setPauseButton(true);
}

function pause() {
  clearInterval(walk.timer);
  walk.timer = null;
  setPauseButton(false);
}

function setPauseButton(playing) {
  const button = $("descent-pause");
  button.textContent = playing ? "Pause" : "Play";
  button.setAttribute("aria-pressed", String(playing));
}

// Show `count` more points of the walk (up to its end), with their rows in the table.
function advance(count) {
  const total = walk.data.path.length;
  const next = Math.min(total, walk.shown + count);
  addRows(walk.shown, next);
  walk.shown = next;
  if (next >= total) pause();
  render(false);
}

// Rows for points `from` to `to` - 1: the step's number, x, f(x), the gradient, and the step taken from there.
function addRows(from, to) {
  const { path, values, gradients, dimensions } = walk.data;
  const body = $("descent-steps-body");
  body.querySelector("tr.current")?.classList.remove("current");
  const rows = [];
  for (let k = from; k < to; k++) {
    const row = document.createElement("tr");
    const step = k + 1 < path.length ? Math.hypot(...path[k + 1].map((v, i) => v - path[k][i])) : null;
    const cells = [String(k), point(path[k]), number(values[k]), point(gradients[k]), step === null ? "–" : number(step)];
    for (const text of cells) {
      const cell = document.createElement("td");
      cell.textContent = text;
      row.append(cell);
    }
    rows.push(row);
  }
  rows.at(-1)?.classList.add("current");
  body.append(...rows);
  $("descent-x-heading").textContent = dimensions === 1 ? "x" : "(x, y)";
  $("descent-gradient-heading").textContent = dimensions === 1 ? "slope f′(x)" : "gradient";
  const box = $("descent-steps-box");
  box.scrollTop = box.scrollHeight;
}

// A number to 4 significant figures, as the core writes them ("1.326e-6", "0").
function number(v) {
  if (v === null || v === undefined || !Number.isFinite(v)) return "–";
  if (v === 0) return "0";
  if (Math.abs(v) >= 1e5 || Math.abs(v) < 1e-3) {
    const [mantissa, exponent] = v.toExponential(3).split("e");
    return `${Number(mantissa)}e${Number(exponent)}`;
  }
  return String(Number(v.toPrecision(4)));
}

function point(values) {
  return values.length === 1 ? number(values[0]) : `(${values.map(number).join(", ")})`;
}

// Draw the plot and say where the walk is; `resized`: the canvas's size may have changed.
function render(resized) {
  const canvas = $("descent-plot");
  if (!walk.data) return;
  const size = fitCanvas(canvas);
  if (!size.width) return; // the tab is hidden: drawn when it is shown (the ResizeObserver calls again)
  if (resized || !walk.plot || walk.plot.view.size.width !== size.width) {
    const view = makeView(walk.data, size);
    walk.plot = { view, background: drawBackground(view, size.ratio) };
    canvas.dataset.font = String(12);
    canvas.dataset.ticks = JSON.stringify(walk.plot.background.labels);
  }
  drawWalk(canvas, walk.plot.view, walk.plot.background, walk.shown, size.ratio);
  canvas.dataset.steps = String(walk.shown - 1);
  canvas.dataset.function = walk.data.name;
  canvas.dataset.rate = String(walk.data.learningRate);
  describe();
}

// What the page says of the walk: where it is while it goes, the core's verdict once it is all shown.
function describe() {
  const { data, shown } = walk;
  const out = $("descent-result");
  const steps = data.path.length - 1;
  const plot = $("descent-plot");
  const name = `Gradient descent plot of ${functionLabel()} at learning rate ${data.learningRate}`;
  if (shown - 1 < steps) {
    const now = shown === 1 ? "at the start" : `after step ${shown - 1} of ${steps}`;
    out.textContent = `${capital(now)}. Step takes the next step, Play walks on. `
      + "Black dot: the start; orange dots: each step; green arrow: downhill along the slope here; ×: a minimum.";
    out.classList.remove("error");
    plot.setAttribute("aria-label", `${name}: ${now}, at ${point(data.path[shown - 1])}.`);
    return;
  }
  const { kind, sentence } = data.verdict;
  plot.setAttribute("aria-label", `${name}: ${sentence}`);
  out.textContent = `${sentence} Black dot: the start; orange dots: each step; green arrow: downhill along the `
    + "slope where it ended; ×: a minimum.";
  out.classList.toggle("error", kind === "diverged");
}

const capital = (text) => text[0].toUpperCase() + text.slice(1);
