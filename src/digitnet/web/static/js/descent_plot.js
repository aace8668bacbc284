// The Gradient descent tab's plot: the function (a curve, or a heat map of a surface), the walk up to
// its current point, the slope there, and the start drawn last so that it is always on top.
// The canvas is drawn at its own size on the screen (times the device's pixel ratio), so that its
// text is as big as the page's, 12 px, on a phone too.

const FONT_PX = 12;
const INK = "#222222";
const WALK = "#E69F00";   // Okabe-Ito orange: the walk's points (blue and red mean + and - on this page)
const SLOPE = "#009E73";  // Okabe-Ito bluish green: the slope at the current point
const PAD = { l: 60, r: 14, t: 12, b: 40 };

// Size the canvas's pixels to its size on the screen; returns {width, height} in CSS px (0 if hidden).
export function fitCanvas(canvas) {
  const width = Math.round(canvas.getBoundingClientRect().width);
  if (width === 0) return { width: 0, height: 0 };
  const height = Math.round(width * (width < 480 ? 0.8 : 0.625));
  const ratio = window.devicePixelRatio || 1;
  const [w, h] = [Math.round(width * ratio), Math.round(height * ratio)];
  if (canvas.width !== w || canvas.height !== h) {
    canvas.width = w;
    canvas.height = h;
  }
  return { width, height, ratio };
}

// Ticks at round numbers (1, 2 or 5 times a power of ten) from lo to hi, about `count` of them.
export function niceTicks(lo, hi, count) {
  const span = hi - lo || Math.abs(lo) || 1;
  const raw = span / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw * 0.999);
  const ticks = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(v);
  return { ticks, step };
}

// A tick's label: as few characters as the step between ticks needs ("0.5", "20", "2e5", "1.5e-4").
export function tickText(v, step) {
  if (Math.abs(v) < step * 1e-9) return "0";
  if (step >= 1e5 || step < 1e-3) {
    const [mantissa, exponent] = v.toExponential(3).split("e");
    return `${Number(mantissa)}e${Number(exponent)}`;
  }
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  return v.toFixed(decimals);
}

// The view of a walk's answer on a canvas of `size` (CSS px): the data limits and the maps to pixels.
export function makeView(data, size) {
  const pw = size.width - PAD.l - PAD.r;
  const ph = size.height - PAD.t - PAD.b;
  let xs, ys;
  if (data.dimensions === 1) {
    xs = [Math.min(...data.curve.x), Math.max(...data.curve.x)];
    const finite = data.curve.y.filter(Number.isFinite);
    const [lo, hi] = [Math.min(...finite), Math.max(...finite)];
    const margin = (hi - lo) * 0.05 || 1;
    ys = [lo - margin, hi + margin];
  } else {
    const { x, y } = data.grid;
    xs = [x[0], x[x.length - 1]];
    ys = [y[0], y[y.length - 1]];
  }
  return {
    data, size, pw, ph, xs, ys,
    X: (x) => PAD.l + ((x - xs[0]) / (xs[1] - xs[0])) * pw,
    Y: (y) => PAD.t + (1 - (y - ys[0]) / (ys[1] - ys[0])) * ph,
  };
}

// Where point k of the path is drawn, in CSS px (far-away points pulled in so they stay drawable).
function at(view, k) {
  const point = view.data.path[k];
  const y = view.data.dimensions === 1 ? view.data.values[k] : point[1];
  const clamp = (v) => (Number.isFinite(v) ? Math.max(-1e5, Math.min(1e5, v)) : 1e5);
  return [clamp(view.X(point[0])), clamp(view.Y(y ?? Infinity))];
}

// The function, its axes and its minima, drawn once per walk and size onto an off-screen canvas.
export function drawBackground(view, ratio) {
  const canvas = document.createElement("canvas");
  canvas.width = Math.round(view.size.width * ratio);
  canvas.height = Math.round(view.size.height * ratio);
  const ctx = canvas.getContext("2d");
  ctx.scale(ratio, ratio);
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, view.size.width, view.size.height);
  if (view.data.dimensions === 1) drawCurve(ctx, view);
  else drawHeat(ctx, view);
  const labels = drawAxes(ctx, view, view.data.dimensions === 1 ? ["x", "f(x)"] : ["x", "y"]);
  drawMinima(ctx, view);
  return { canvas, labels };
}

function drawCurve(ctx, view) {
  const { x, y } = view.data.curve;
  clipToPlot(ctx, view, () => {
    ctx.strokeStyle = INK;
    ctx.lineWidth = 2;
    ctx.beginPath();
    x.forEach((v, i) => {
      const [px, py] = [view.X(v), Math.max(-1e5, Math.min(1e5, view.Y(y[i] ?? Infinity)))];
      if (i) ctx.lineTo(px, py);
      else ctx.moveTo(px, py);
    });
    ctx.stroke();
  });
}

// A heat map on a log scale, in bands so that it reads like a contour map; row 0 of z is the lowest y.
function drawHeat(ctx, view) {
  const { x: gx, y: gy, z } = view.data.grid;
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
  ctx.drawImage(small, PAD.l, PAD.t, view.pw, view.ph);
}

// Light-to-dark greys, low values light: the walk's orange stands out on them, and no blue or red
// (they mean + and - on this page).
function heat(t) {
  const stops = [[252, 252, 250], [215, 215, 218], [170, 170, 178], [120, 120, 132], [75, 75, 90]];
  const s = t * (stops.length - 1);
  const k = Math.min(stops.length - 2, Math.floor(s));
  const f = s - k;
  return stops[k].map((v, i) => Math.round(v + (stops[k + 1][i] - v) * f));
}

// The frame, round-number ticks and the axis names; returns each label drawn: its text, its box
// (CSS px), which axis it is on ("x", "y", or "name" for an axis's name) and where its tick is.
function drawAxes(ctx, view, [xName, yName]) {
  const labels = [];
  const put = (text, x, y, align, axis, at) => {
    ctx.textAlign = align;
    ctx.fillText(text, x, y);
    const width = ctx.measureText(text).width;
    const left = align === "center" ? x - width / 2 : align === "right" ? x - width : x;
    labels.push({ text, left, right: left + width, top: y - FONT_PX, bottom: y + 3, axis, at });
  };
  ctx.strokeStyle = "#888";
  ctx.lineWidth = 1;
  ctx.strokeRect(PAD.l, PAD.t, view.pw, view.ph);
  ctx.fillStyle = "#333";
  ctx.font = `${FONT_PX}px system-ui, sans-serif`;
  const xt = niceTicks(view.xs[0], view.xs[1], Math.max(2, Math.floor(view.pw / 70)));
  const yt = niceTicks(view.ys[0], view.ys[1], Math.max(2, Math.floor(view.ph / 40)));
  for (const v of xt.ticks) {
    ctx.beginPath();
    ctx.moveTo(view.X(v), PAD.t + view.ph);
    ctx.lineTo(view.X(v), PAD.t + view.ph + 4);
    ctx.stroke();
    put(tickText(v, xt.step), view.X(v), PAD.t + view.ph + 17, "center", "x", view.X(v));
  }
  for (const v of yt.ticks) {
    ctx.beginPath();
    ctx.moveTo(PAD.l - 4, view.Y(v));
    ctx.lineTo(PAD.l, view.Y(v));
    ctx.stroke();
    put(tickText(v, yt.step), PAD.l - 6, view.Y(v) + 4, "right", "y", view.Y(v));
  }
  put(xName, PAD.l + view.pw / 2, PAD.t + view.ph + 34, "center", "name", null);
  ctx.save();
  ctx.translate(13, PAD.t + view.ph / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.textAlign = "center";
  ctx.fillText(yName, 0, 0);
  ctx.restore();
  return labels;
}

// The function's known minima, each an × in the ink colour.
function drawMinima(ctx, view) {
  clipToPlot(ctx, view, () => {
    ctx.strokeStyle = INK;
    ctx.lineWidth = 2;
    for (const m of view.data.minima) {
      const x = view.X(m[0]);
      const y = view.data.dimensions === 1 ? view.Y(curveValue(view.data.curve, m[0])) : view.Y(m[1]);
      ctx.beginPath();
      ctx.moveTo(x - 6, y - 6);
      ctx.lineTo(x + 6, y + 6);
      ctx.moveTo(x + 6, y - 6);
      ctx.lineTo(x - 6, y + 6);
      ctx.stroke();
    }
  });
}

// f at x, read off the drawn curve at its nearest point.
function curveValue(curve, x) {
  let best = 0;
  curve.x.forEach((v, i) => { if (Math.abs(v - x) < Math.abs(curve.x[best] - x)) best = i; });
  return curve.y[best];
}

function clipToPlot(ctx, view, draw) {
  ctx.save();
  ctx.beginPath();
  ctx.rect(PAD.l, PAD.t, view.pw, view.ph);
  ctx.clip();
  draw();
  ctx.restore();
}

// The walk's first `shown` points over the background, the slope at the last of them, the start on top.
export function drawWalk(canvas, view, background, shown, ratio) {
  const ctx = canvas.getContext("2d");
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.drawImage(background.canvas, 0, 0);
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  const points = Array.from({ length: shown }, (_, k) => at(view, k));
  const long = view.data.path.length > 120; // many steps: small dots, so that the function stays visible
  clipToPlot(ctx, view, () => {
    ctx.strokeStyle = view.data.dimensions === 1 ? "rgba(34, 34, 34, 0.7)" : WALK;
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    points.forEach(([x, y], k) => (k ? ctx.lineTo(x, y) : ctx.moveTo(x, y)));
    ctx.stroke();
    ctx.fillStyle = WALK;
    for (let k = 1; k < shown - 1; k++) {
      ctx.beginPath();
      ctx.arc(points[k][0], points[k][1], long ? 1.8 : 4, 0, 2 * Math.PI);
      ctx.fill();
    }
    const current = shown - 1;
    drawSlope(ctx, view, current, points[current]);
    if (current > 0) dot(ctx, points[current], 6, WALK, INK);
    dot(ctx, points[0], 7, INK, "#fff"); // the start, last: always on top
  });
}

function dot(ctx, [x, y], radius, fill, ring) {
  ctx.beginPath();
  ctx.arc(x, y, radius, 0, 2 * Math.PI);
  ctx.fillStyle = fill;
  ctx.fill();
  ctx.lineWidth = 2;
  ctx.strokeStyle = ring;
  ctx.stroke();
}

// The slope at point k: in one variable the tangent to the curve, in two the direction of the
// gradient's negative; either way an arrow pointing the way the next step goes (downhill).
function drawSlope(ctx, view, k, [x, y]) {
  const gradient = view.data.gradients[k];
  if (!gradient || gradient.some((g) => g === null || !Number.isFinite(g))) return;
  let dx, dy; // the downhill direction, in pixels
  if (view.data.dimensions === 1) {
    const sx = view.X(1) - view.X(0);
    const sy = view.Y(0) - view.Y(1);
    const sign = gradient[0] > 0 ? -1 : 1;
    [dx, dy] = [sign * sx, -sign * sy * gradient[0]];
  } else {
    [dx, dy] = [view.X(0) - view.X(gradient[0]), view.Y(0) - view.Y(gradient[1])]; // -gradient, in pixels
  }
  const length = Math.hypot(dx, dy);
  if (!(length > 0)) return;
  [dx, dy] = [dx / length, dy / length];
  const reach = 46;
  ctx.strokeStyle = SLOPE;
  ctx.fillStyle = SLOPE;
  ctx.lineWidth = 3;
  ctx.beginPath();
  ctx.moveTo(x - (view.data.dimensions === 1 ? reach * dx : 0), y - (view.data.dimensions === 1 ? reach * dy : 0));
  ctx.lineTo(x + reach * dx, y + reach * dy);
  ctx.stroke();
  const [tx, ty] = [x + (reach + 8) * dx, y + (reach + 8) * dy];
  ctx.beginPath();
  ctx.moveTo(tx, ty);
  ctx.lineTo(tx - 11 * dx + 6 * dy, ty - 11 * dy - 6 * dx);
  ctx.lineTo(tx - 11 * dx - 6 * dy, ty - 11 * dy + 6 * dx);
  ctx.closePath();
  ctx.fill();
}

export const COLOURS = { walk: WALK, slope: SLOPE, ink: INK };
