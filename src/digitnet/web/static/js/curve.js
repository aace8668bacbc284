// The Train tab's learning curve: test accuracy and test cost at epoch 0 (the random network) and after
// each epoch, and in between the cost of the mini-batches as they are trained on, raw and smoothed.

import { $, count, fmt, percent } from "./helpers.js";
import { training } from "./state.js";

const SMOOTHING = 0.2; // each step event's share of the smoothed mini-batch cost (an exponential average)

// Each step event as [epoch reached (fractional), its mini-batch cost, the smoothed cost].
function stepPoints() {
  let smooth = null;
  return (training.steps || []).filter((s) => s.batch_cost !== null && s.batch_cost !== undefined).map((s) => {
    smooth = smooth === null ? s.batch_cost : smooth + SMOOTHING * (s.batch_cost - smooth);
    return [s.epoch - 1 + s.step / s.steps, s.batch_cost, smooth];
  });
}

// The canvas drawn at the size it is shown (its text 12 px on a phone too), redrawn when that changes.
export function followCurveSize() {
  new ResizeObserver(() => drawCurve()).observe($("train-curve"));
}

// The canvas's size in CSS pixels, its buffer made to match (times the screen's pixel ratio).
function fit(canvas) {
  const W = Math.round(canvas.clientWidth) || 560;
  const H = Math.max(240, Math.round(W * 300 / 560));
  const ratio = window.devicePixelRatio || 1;
  if (canvas.width !== Math.round(W * ratio) || canvas.height !== Math.round(H * ratio)) {
    canvas.width = Math.round(W * ratio);
    canvas.height = Math.round(H * ratio);
  }
  const ctx = canvas.getContext("2d");
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  return { ctx, W, H };
}

const LEGEND = [["● test accuracy", "#1f9d55"], ["● test cost", "#e07b00"], ["— mini-batch cost, smoothed", "#333"]];

// The legend above the plot, on as many lines as the width needs; returns the height it took.
function drawLegend(ctx, left, width) {
  let x = left;
  let y = 16;
  ctx.textAlign = "left";
  for (const [text, color] of LEGEND) {
    const w = ctx.measureText(text).width;
    if (x > left && x + w > left + width) { x = left; y += 16; }
    ctx.fillStyle = color;
    ctx.fillText(text, x, y);
    x += w + 16;
  }
  return y + 12;
}

export function drawCurve() {
  const canvas = $("train-curve");
  const { ctx, W, H } = fit(canvas);
  ctx.clearRect(0, 0, W, H);
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, W, H);
  ctx.font = "12px system-ui, sans-serif";
  const pad = { l: 44, r: 48, t: 28, b: 40 };
  pad.t = drawLegend(ctx, 8, W - 16);
  const pw = W - pad.l - pad.r;
  const ph = H - pad.t - pad.b;
  const points = training.history.filter(Boolean);
  const steps = stepPoints();
  canvas.dataset.epochs = String(points.filter((p) => p.epoch > 0).length);
  canvas.dataset.steps = String(steps.length);
  canvas.setAttribute("aria-label", curveLabel(points, steps));
  const total = Math.max(training.total || 0, ...points.map((p) => p.epoch), 1);
  const costs = [...points.map((p) => p.test_cost || 0), ...points.map((p) => p.train_cost || 0),
    ...steps.map((s) => s[2])];
  const maxCost = Math.max(1e-9, ...costs) * 1.1;
  const X = (epoch) => pad.l + (epoch / total) * pw;
  const Yacc = (a) => pad.t + (1 - a) * ph;
  const Ycost = (c) => pad.t + (1 - Math.min(c, maxCost) / maxCost) * ph;
  const hasData = points.length || steps.length;

  ctx.strokeStyle = "#e3e6ee";
  ctx.fillStyle = "#555";
  ctx.textAlign = "right";
  for (let k = 0; k <= 5; k++) {
    const y = pad.t + (k / 5) * ph;
    ctx.beginPath(); ctx.moveTo(pad.l, y); ctx.lineTo(pad.l + pw, y); ctx.stroke();
    ctx.fillStyle = "#1f9d55";
    ctx.textAlign = "right";
    ctx.fillText(`${100 - k * 20}%`, pad.l - 6, y + 4);
    if (hasData) {
      ctx.fillStyle = "#e07b00";
      ctx.textAlign = "left";
      ctx.fillText(fmt(maxCost * (1 - k / 5), 3), pad.l + pw + 6, y + 4);
    }
  }
  ctx.fillStyle = "#555";
  ctx.textAlign = "center";
  const tick = Math.max(1, Math.ceil(total / 10));
  for (let e = 0; e <= total; e += tick) ctx.fillText(String(e), X(e), pad.t + ph + 16);
  ctx.fillText("epoch", pad.l + pw / 2, H - 6);
  ctx.strokeStyle = "#888";
  ctx.strokeRect(pad.l, pad.t, pw, ph);
  if (!hasData) {
    ctx.fillStyle = "#888";
    ctx.textAlign = "center";
    ctx.fillText("Start a training to see", pad.l + pw / 2, pad.t + ph / 2 - 8);
    ctx.fillText("the curve grow, step by step.", pad.l + pw / 2, pad.t + ph / 2 + 8);
    return;
  }
  plotLine(ctx, steps.map(([e, cost]) => [X(e), Ycost(cost)]), "#c8c8c8", 1);
  plotLine(ctx, steps.map(([e, , smooth]) => [X(e), Ycost(smooth)]), "#333", 2);
  plotSeries(ctx, points.map((p) => [X(p.epoch), Yacc(p.test_accuracy)]), "#1f9d55");
  plotSeries(ctx, points.map((p) => [X(p.epoch), Ycost(p.test_cost)]), "#e07b00");
}

function curveLabel(points, steps) {
  if (!points.length) return "Learning curve: no training yet.";
  const last = points[points.length - 1];
  const smoothed = steps.length ? `; the smoothed mini-batch cost is ${fmt(steps[steps.length - 1][2], 4)}` : "";
  const when = last.epoch === 0 ? "before training" : `after ${count(last.epoch, "epoch")}` +
    (training.total ? ` of ${training.total}` : "");
  return `Learning curve ${when}: ${percent(last.test_accuracy)} of test digits right, ` +
    `test cost ${fmt(last.test_cost, 4)}${smoothed}.`;
}

function plotLine(ctx, xy, color, width) {
  ctx.strokeStyle = color;
  ctx.lineWidth = width;
  ctx.beginPath();
  xy.forEach(([x, y], i) => (i ? ctx.lineTo(x, y) : ctx.moveTo(x, y)));
  ctx.stroke();
  ctx.lineWidth = 1;
}

function plotSeries(ctx, xy, color) {
  plotLine(ctx, xy, color, 2);
  ctx.fillStyle = color;
  for (const [x, y] of xy) { ctx.beginPath(); ctx.arc(x, y, 3.5, 0, 2 * Math.PI); ctx.fill(); }
}
