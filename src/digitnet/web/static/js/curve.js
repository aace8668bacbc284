// The Train tab's learning curve: test accuracy and test cost, one point per epoch.

import { $, count, fmt, percent } from "./helpers.js";
import { training } from "./state.js";

export function drawCurve() {
  const canvas = $("train-curve");
  const ctx = canvas.getContext("2d");
  const { width: W, height: H } = canvas;
  const pad = { l: 52, r: 56, t: 28, b: 40 };
  const pw = W - pad.l - pad.r;
  const ph = H - pad.t - pad.b;
  const points = training.history.filter(Boolean);
  canvas.dataset.epochs = String(points.length);
  canvas.setAttribute("aria-label", curveLabel(points));
  ctx.clearRect(0, 0, W, H);
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, W, H);
  const total = Math.max(training.total || 0, points.length, 2);
  const maxCost = Math.max(1e-9, ...points.map((p) => p.test_cost || 0), ...points.map((p) => p.train_cost || 0)) * 1.1;
  const X = (epoch) => pad.l + ((epoch - 1) / (total - 1)) * pw;
  const Yacc = (a) => pad.t + (1 - a) * ph;
  const Ycost = (c) => pad.t + (1 - c / maxCost) * ph;

  ctx.font = "12px system-ui, sans-serif";
  ctx.strokeStyle = "#e3e6ee";
  ctx.fillStyle = "#555";
  ctx.textAlign = "right";
  for (let k = 0; k <= 5; k++) {
    const y = pad.t + (k / 5) * ph;
    ctx.beginPath(); ctx.moveTo(pad.l, y); ctx.lineTo(pad.l + pw, y); ctx.stroke();
    ctx.fillStyle = "#1f9d55";
    ctx.textAlign = "right";
    ctx.fillText(`${100 - k * 20}%`, pad.l - 6, y + 4);
    if (points.length) {
      ctx.fillStyle = "#e07b00";
      ctx.textAlign = "left";
      ctx.fillText(fmt(maxCost * (1 - k / 5), 3), pad.l + pw + 6, y + 4);
    }
  }
  ctx.fillStyle = "#555";
  ctx.textAlign = "center";
  const step = Math.max(1, Math.ceil(total / 10));
  for (let e = 1; e <= total; e += step) ctx.fillText(String(e), X(e), pad.t + ph + 16);
  ctx.fillText("epoch", pad.l + pw / 2, H - 6);
  ctx.strokeStyle = "#888";
  ctx.strokeRect(pad.l, pad.t, pw, ph);
  ctx.textAlign = "left";
  ctx.fillStyle = "#1f9d55";
  ctx.fillText("● test accuracy", pad.l, 16);
  ctx.fillStyle = "#e07b00";
  ctx.fillText("● test cost", pad.l + 130, 16);
  if (!points.length) {
    ctx.fillStyle = "#888";
    ctx.textAlign = "center";
    ctx.fillText("Start a training to see the curve grow, one point per epoch.", pad.l + pw / 2, pad.t + ph / 2);
    return;
  }
  plotSeries(ctx, points.map((p) => [X(p.epoch), Yacc(p.test_accuracy)]), "#1f9d55");
  plotSeries(ctx, points.map((p) => [X(p.epoch), Ycost(p.test_cost)]), "#e07b00");
}

function curveLabel(points) {
  if (!points.length) return "Learning curve: no training yet.";
  const last = points[points.length - 1];
  return `Learning curve after ${count(last.epoch, "epoch")}` + (training.total ? ` of ${training.total}` : "") +
    `: ${percent(last.test_accuracy)} of test digits right, test cost ${fmt(last.test_cost, 4)}.`;
}

function plotSeries(ctx, xy, color) {
  ctx.strokeStyle = color;
  ctx.fillStyle = color;
  ctx.lineWidth = 2;
  ctx.beginPath();
  xy.forEach(([x, y], i) => (i ? ctx.lineTo(x, y) : ctx.moveTo(x, y)));
  ctx.stroke();
  for (const [x, y] of xy) { ctx.beginPath(); ctx.arc(x, y, 3.5, 0, 2 * Math.PI); ctx.fill(); }
  ctx.lineWidth = 1;
}
