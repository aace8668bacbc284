// The Gradient descent tab: a walk down a function of one or two variables, drawn step by step.

import { $, api } from "./helpers.js";
import { readNumber, showProblem } from "./forms.js";

const FUNCTIONS = {
  square: (x) => x * x,
  quartic: (x) => x ** 4 - 5 * x * x - 3 * x,
  bowl: (x, y) => x * x + 10 * y * y,
  rosenbrock: (x, y) => (1 - x) ** 2 + 100 * (y - x * x) ** 2,
};
const descent = { timer: null, serial: 0 };

export function setupDescent() {
  $("descent-run").addEventListener("click", runDescent);
  $("descent-function").addEventListener("change", clearDescent);
  $("descent-learning-rate").addEventListener("input", () => showProblem($("descent-learning-rate"), null));
}

function functionLabel() {
  const select = $("descent-function");
  return select.options[select.selectedIndex].textContent;
}

// A new function was chosen: the old walk no longer belongs to it.
function clearDescent() {
  descent.serial++;
  clearInterval(descent.timer);
  const plot = $("descent-plot");
  const ctx = plot.getContext("2d");
  ctx.clearRect(0, 0, plot.width, plot.height);
  ctx.fillStyle = "#888";
  ctx.font = "14px system-ui, sans-serif";
  ctx.textAlign = "center";
  ctx.fillText("Press Run to walk down this function.", plot.width / 2, plot.height / 2);
  plot.dataset.steps = "0";
  plot.setAttribute("aria-label", `Gradient descent plot of ${functionLabel()}: press Run to draw the walk.`);
  $("descent-result").textContent = "";
  $("descent-result").classList.remove("error");
}

async function runDescent() {
  const name = $("descent-function").value;
  const rate = readNumber("descent-learning-rate", false);
  const plot = $("descent-plot");
  const out = $("descent-result");
  clearInterval(descent.timer);
  const serial = ++descent.serial;
  plot.dataset.steps = "0";
  out.classList.remove("error");
  if (rate.problem) {
    out.textContent = "Not run: see the note under Learning rate.";
    out.classList.add("error");
    return;
  }
  const nIter = name === "rosenbrock" ? 2000 : 50;
  let data;
  try {
    data = await api("/api/descent", { body: { function: name, learning_rate: rate.value, n_iter: nIter } });
  } catch (error) {
    if (serial !== descent.serial) return; // a newer run's result is shown, or is coming
    out.textContent = error.message;
    out.classList.add("error");
    return;
  }
  if (serial !== descent.serial) return; // another function or run was chosen meanwhile
  data.learning_rate = rate.value;
  const view = data.dimensions === 1 ? setupPlot1d(plot, data) : setupPlot2d(plot, data);
  const path = data.path;
  const perTick = Math.max(1, Math.ceil(path.length / 150)); // long paths: several steps per frame
  let shown = 0;
  out.textContent = "Walking downhill…";
  plot.setAttribute("aria-label", `Gradient descent plot of ${functionLabel()}: the walk is being drawn.`);
  descent.timer = setInterval(() => {
    const next = Math.min(path.length, shown + perTick);
    for (let k = shown; k < next; k++) drawStep(plot.getContext("2d"), view, path, k, name);
    shown = next;
    plot.dataset.steps = String(shown);
    if (shown >= path.length) {
      clearInterval(descent.timer);
      describeDescent(data);
    }
  }, 60);
}

function plotFrame(canvas) {
  const pad = { l: 80, r: 24, t: 16, b: 36 };
  return { pad, pw: canvas.width - pad.l - pad.r, ph: canvas.height - pad.t - pad.b };
}

function setupPlot1d(canvas, data) {
  const ctx = canvas.getContext("2d");
  const { pad, pw, ph } = plotFrame(canvas);
  const xs = data.curve.x;
  const ys = data.curve.y;
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  const [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  const ym = (y1 - y0) * 0.05 || 1;
  const view = {
    X: (x) => pad.l + ((x - x0) / (x1 - x0)) * pw,
    Y: (y) => pad.t + (1 - (y - (y0 - ym)) / (y1 - y0 + 2 * ym)) * ph,
    pad, pw, ph, dims: 1,
  };
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  drawAxes(ctx, view, [x0, x1], [y0 - ym, y1 + ym], "x", "f(x)");
  ctx.strokeStyle = "#2f6fde";
  ctx.lineWidth = 2;
  ctx.beginPath();
  xs.forEach((x, i) => (i ? ctx.lineTo(view.X(x), view.Y(ys[i])) : ctx.moveTo(view.X(x), view.Y(ys[i]))));
  ctx.stroke();
  ctx.lineWidth = 1;
  return view;
}

function setupPlot2d(canvas, data) {
  const ctx = canvas.getContext("2d");
  const { pad, pw, ph } = plotFrame(canvas);
  const { x: gx, y: gy, z } = data.grid;
  const [x0, x1, y0, y1] = [gx[0], gx[gx.length - 1], gy[0], gy[gy.length - 1]];
  const view = {
    X: (x) => pad.l + ((x - x0) / (x1 - x0)) * pw,
    Y: (y) => pad.t + (1 - (y - y0) / (y1 - y0)) * ph,
    pad, pw, ph, dims: 2,
  };
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  // Heat map on log scale, in bands so it reads like a contour map; row 0 of z is the lowest y.
  const flat = z.flat();
  const zmin = Math.min(...flat);
  const logs = flat.map((v) => Math.log1p(v - zmin));
  const lmax = Math.max(1e-9, ...logs);
  const small = document.createElement("canvas");
  small.width = gx.length;
  small.height = gy.length;
  const sctx = small.getContext("2d");
  const image = sctx.createImageData(gx.length, gy.length);
  for (let i = 0; i < gy.length; i++) {
    for (let j = 0; j < gx.length; j++) {
      const t = Math.floor((logs[i * gx.length + j] / lmax) * 16) / 16;
      const row = gy.length - 1 - i; // image rows go downwards, y goes upwards
      image.data.set([...heat(t), 255], (row * gx.length + j) * 4);
    }
  }
  sctx.putImageData(image, 0, 0);
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(small, pad.l, pad.t, pw, ph);
  drawAxes(ctx, view, [x0, x1], [y0, y1], "x", "y");
  return view;
}

// Light-to-dark heat colours: low values pale yellow, high values deep purple.
function heat(t) {
  const stops = [[255, 252, 220], [253, 190, 110], [230, 100, 90], [150, 50, 120], [60, 30, 90]];
  const s = t * (stops.length - 1);
  const k = Math.min(stops.length - 2, Math.floor(s));
  const f = s - k;
  return stops[k].map((v, i) => Math.round(v + (stops[k + 1][i] - v) * f));
}

function drawAxes(ctx, view, [x0, x1], [y0, y1], xLabel, yLabel) {
  const { pad, pw, ph } = view;
  ctx.strokeStyle = "#888";
  ctx.strokeRect(pad.l, pad.t, pw, ph);
  ctx.fillStyle = "#444";
  ctx.font = "12px system-ui, sans-serif";
  const xTicks = [0, 1, 2, 3, 4].map((k) => x0 + ((x1 - x0) * k) / 4);
  const yTicks = [0, 1, 2, 3, 4].map((k) => y0 + ((y1 - y0) * k) / 4);
  const xDigits = tickDigits(xTicks);
  const yDigits = tickDigits(yTicks);
  for (let k = 0; k <= 4; k++) {
    ctx.textAlign = "center";
    ctx.fillText(tickLabel(xTicks[k], xDigits), view.X(xTicks[k]), pad.t + ph + 16);
    ctx.textAlign = "right";
    ctx.fillText(tickLabel(yTicks[k], yDigits), pad.l - 6, view.Y(yTicks[k]) + 4);
  }
  ctx.textAlign = "center";
  ctx.fillText(xLabel, pad.l + pw / 2, pad.t + ph + 32);
  ctx.save();
  ctx.translate(14, pad.t + ph / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.fillText(yLabel, 0, 0);
  ctx.restore();
}

// The fewest decimals (up to 4) that write every tick exactly (-0.75 stays -0.75); for ticks no
// decimals write exactly, enough to show two figures of the gap between ticks.
function tickDigits(ticks) {
  const gap = Math.abs(ticks[1] - ticks[0]) || 1;
  for (let digits = 0; digits <= 4; digits++) {
    if (ticks.every((v) => Math.abs(Number(v.toFixed(digits)) - v) <= gap * 1e-9)) return digits;
  }
  return Math.max(0, Math.min(4, 1 - Math.floor(Math.log10(gap))));
}

function tickLabel(v, digits) {
  if (Math.abs(v) >= 1e5) return v.toExponential(1);
  const text = v.toFixed(digits);
  return Number(text) === 0 ? (0).toFixed(digits) : text; // no "-0.00"
}

// Draw point k of the path (and the line from point k-1), clipped to the plot area.
function drawStep(ctx, view, path, k, name) {
  const clamp = (v) => Math.max(-1e5, Math.min(1e5, v)); // far-away points stay drawable
  const at = (p) => (view.dims === 1 ? [view.X(p[0]), view.Y(FUNCTIONS[name](p[0]))] : [view.X(p[0]), view.Y(p[1])]).map(clamp);
  const [x, y] = at(path[k]);
  ctx.save();
  ctx.beginPath();
  ctx.rect(view.pad.l, view.pad.t, view.pw, view.ph);
  ctx.clip();
  if (k > 0) {
    const [px, py] = at(path[k - 1]);
    ctx.strokeStyle = "rgba(20, 20, 20, 0.75)";
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    ctx.moveTo(px, py);
    ctx.lineTo(x, y);
    ctx.stroke();
  }
  const long = path.length > 120; // many steps: small dots, so the function stays visible
  ctx.fillStyle = k === 0 ? "#111" : "#d62728"; // the start black, not green against red (colour blindness)
  ctx.strokeStyle = "#fff";
  ctx.beginPath();
  ctx.arc(x, y, k === 0 ? 6 : long ? 1.5 : 4, 0, 2 * Math.PI);
  ctx.fill();
  if (!long || k === 0) ctx.stroke();
  ctx.restore();
}

// What the walk did, in the core's words (describe_walk, as the printed figures say it).
function describeDescent(data) {
  const out = $("descent-result");
  const { kind, sentence } = data.verdict;
  $("descent-plot").setAttribute("aria-label",
    `Gradient descent plot of ${functionLabel()} at learning rate ${data.learning_rate}: ${sentence}`);
  out.textContent = `${sentence} Black dot: the start; red dots: each step.`;
  out.classList.toggle("error", kind === "diverged");
}
