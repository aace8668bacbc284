// Small tools every part of the page uses: the API call, number formats, colour maps.

export const SVG_NS = "http://www.w3.org/2000/svg";
export const $ = (id) => document.getElementById(id);

// Every request that sends something (a POST) sends JSON, {} if nothing else: the server refuses
// any other body, so that another site's form cannot post here (web/guard.py).
export async function api(path, options = {}) {
  const init = { ...options };
  const method = (options.method || (options.body !== undefined ? "POST" : "GET")).toUpperCase();
  if (method !== "GET" && method !== "HEAD") {
    init.method = method;
    init.headers = { ...options.headers, "Content-Type": "application/json" };
    init.body = JSON.stringify(options.body === undefined ? {} : options.body);
  }
  const response = await fetch(path, init);
  let data = null;
  try { data = await response.json(); } catch (_) { data = null; }
  if (!response.ok) {
    const detail = data && data.detail;
    const text = typeof detail === "string" ? detail
      : Array.isArray(detail) ? detail.map((d) => d.msg || JSON.stringify(d)).join("; ")
      : `The server answered ${response.status}.`;
    const error = new Error(text);
    error.status = response.status;
    throw error;
  }
  return data;
}

// A fraction as a percentage ("91.2%"), or "–" when there is none.
export function percent(x) {
  return x === null || x === undefined ? "–" : `${(100 * x).toFixed(1)}%`;
}

export function fmt(x, digits = 3) {
  if (x === null || x === undefined || Number.isNaN(x)) return "–";
  if (Math.abs(x) >= 1e4 || (Math.abs(x) < 1e-3 && x !== 0)) return x.toExponential(2);
  return x.toFixed(digits);
}

// "1 epoch", "3 epochs".
export function count(n, word) {
  return `${n.toLocaleString("en")} ${word}${n === 1 ? "" : "s"}`;
}

// Diverging colour map: red (negative) - white (0) - blue (positive); t in [-1, 1].
export function diverging(t) {
  t = Math.max(-1, Math.min(1, t));
  const [r, g, b] = t < 0 ? [214, 39, 40] : [31, 98, 200];
  const k = Math.abs(t);
  return [255 + (r - 255) * k, 255 + (g - 255) * k, 255 + (b - 255) * k].map(Math.round);
}

// Activation colour: dark blue-grey (0) - orange - yellow - white (1).
const ACT_STOPS = [[0, [28, 32, 48]], [0.35, [120, 60, 40]], [0.7, [250, 190, 40]], [1, [255, 255, 235]]];
export function activationColor(a) {
  a = Math.max(0, Math.min(1, a || 0));
  for (let i = 1; i < ACT_STOPS.length; i++) {
    const [t1, c1] = ACT_STOPS[i];
    const [t0, c0] = ACT_STOPS[i - 1];
    if (a <= t1) {
      const k = (a - t0) / (t1 - t0);
      const c = c0.map((v, j) => Math.round(v + (c1[j] - v) * k));
      return `rgb(${c[0]},${c[1]},${c[2]})`;
    }
  }
  return "rgb(255,255,235)";
}

// Paint a 28x28 (or any w x h) array of weights onto a canvas with the diverging map.
export function paintWeights(canvas, values, width = 28, height = 28) {
  const scale = Math.max(1e-9, ...values.map(Math.abs));
  const small = document.createElement("canvas");
  small.width = width;
  small.height = height;
  const sctx = small.getContext("2d");
  const image = sctx.createImageData(width, height);
  values.forEach((v, i) => {
    const [r, g, b] = diverging(v / scale);
    image.data.set([r, g, b, 255], i * 4);
  });
  sctx.putImageData(image, 0, 0);
  const ctx = canvas.getContext("2d");
  ctx.imageSmoothingEnabled = false;
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  ctx.drawImage(small, 0, 0, canvas.width, canvas.height);
}
