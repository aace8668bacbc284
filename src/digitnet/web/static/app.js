// digitnet web page: draw a digit, look inside the network, train it, watch gradient descent.
// Vanilla JS, no build step. The HTTP API is described in the project's web contract.
"use strict";

const SVG_NS = "http://www.w3.org/2000/svg";
const SEND_SIZE = 140; // the drawing is shrunk to this before it is sent
const $ = (id) => document.getElementById(id);

const state = {
  model: null,        // GET /api/model
  result: null,       // last POST /api/predict answer (null when blank)
  selected: null,     // {layer, index} of the clicked neuron
  neuronInfo: null,   // last GET /api/neuron answer
};

// ---------------------------------------------------------------- helpers

async function api(path, options = {}) {
  const init = { ...options };
  if (options.body !== undefined) {
    init.method = init.method || "POST";
    init.headers = { "Content-Type": "application/json" };
    init.body = JSON.stringify(options.body);
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
function percent(x) {
  return x === null || x === undefined ? "–" : `${(100 * x).toFixed(1)}%`;
}

function fmt(x, digits = 3) {
  if (x === null || x === undefined || Number.isNaN(x)) return "–";
  if (Math.abs(x) >= 1e4 || (Math.abs(x) < 1e-3 && x !== 0)) return x.toExponential(2);
  return x.toFixed(digits);
}

// "1 epoch", "3 epochs".
function count(n, word) {
  return `${n.toLocaleString("en")} ${word}${n === 1 ? "" : "s"}`;
}

// Diverging colour map: red (negative) - white (0) - blue (positive); t in [-1, 1].
function diverging(t) {
  t = Math.max(-1, Math.min(1, t));
  const [r, g, b] = t < 0 ? [214, 39, 40] : [31, 98, 200];
  const k = Math.abs(t);
  return [255 + (r - 255) * k, 255 + (g - 255) * k, 255 + (b - 255) * k].map(Math.round);
}

// Activation colour: dark blue-grey (0) - orange - yellow - white (1).
const ACT_STOPS = [[0, [28, 32, 48]], [0.35, [120, 60, 40]], [0.7, [250, 190, 40]], [1, [255, 255, 235]]];
function activationColor(a) {
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
function paintWeights(canvas, values, width = 28, height = 28) {
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

// ---------------------------------------------------------------- tabs

const TABS = ["draw", "train", "descent"];

function setupTabs() {
  for (const name of TABS) {
    $(`tab-${name}`).addEventListener("click", () => selectTab(name));
    $(`tab-${name}`).addEventListener("keydown", onTabKey);
  }
}

function selectTab(name) {
  for (const other of TABS) {
    const tab = $(`tab-${other}`);
    tab.setAttribute("aria-selected", String(other === name));
    tab.tabIndex = other === name ? 0 : -1;
    $(`panel-${other}`).hidden = other !== name;
  }
}

// The WAI-ARIA tabs pattern: arrow keys move to the previous or next tab (wrapping), Home and End
// to the first and last; the tab moved to is shown at once.
function onTabKey(e) {
  const here = TABS.indexOf(e.currentTarget.id.slice("tab-".length));
  const moves = { ArrowLeft: here - 1, ArrowRight: here + 1, Home: 0, End: TABS.length - 1 };
  if (!(e.key in moves)) return;
  e.preventDefault();
  const name = TABS[(moves[e.key] + TABS.length) % TABS.length];
  selectTab(name);
  $(`tab-${name}`).focus();
}

// ---------------------------------------------------------------- drawing

const draw = { canvas: null, ctx: null, last: null, drawing: false };

function setupDrawing() {
  draw.canvas = $("draw-canvas");
  draw.ctx = draw.canvas.getContext("2d");
  clearCanvas();

  const brush = $("brush-size");
  brush.addEventListener("input", () => { $("brush-size-value").textContent = brush.value; });
  $("eraser").addEventListener("click", (e) => {
    const on = e.currentTarget.getAttribute("aria-pressed") !== "true";
    e.currentTarget.setAttribute("aria-pressed", String(on));
  });
  $("clear").addEventListener("click", () => { clearCanvas(); requestPredict(); });
  $("prepare").addEventListener("change", () => requestPredict());

  const c = draw.canvas;
  c.addEventListener("pointerdown", (e) => {
    e.preventDefault();
    try { c.setPointerCapture(e.pointerId); } catch (_) { /* a pointer the browser no longer tracks */ }
    draw.drawing = true;
    draw.last = canvasPoint(e);
    strokeTo(draw.last);
    requestPredict();
  });
  c.addEventListener("pointermove", (e) => {
    if (!draw.drawing) return;
    const events = e.getCoalescedEvents ? e.getCoalescedEvents() : [e];
    for (const ev of (events.length ? events : [e])) strokeTo(canvasPoint(ev));
    requestPredict();
  });
  const end = () => {
    if (!draw.drawing) return;
    draw.drawing = false;
    draw.last = null;
    requestPredict({ now: true });
  };
  c.addEventListener("pointerup", end);
  c.addEventListener("pointercancel", end);
}

function canvasPoint(e) {
  const rect = draw.canvas.getBoundingClientRect();
  return {
    x: (e.clientX - rect.left) * (draw.canvas.width / rect.width),
    y: (e.clientY - rect.top) * (draw.canvas.height / rect.height),
  };
}

function strokeTo(point) {
  const ctx = draw.ctx;
  const from = draw.last || point;
  ctx.strokeStyle = $("eraser").getAttribute("aria-pressed") === "true" ? "#ffffff" : "#000000";
  ctx.lineWidth = Number($("brush-size").value);
  ctx.lineCap = "round";
  ctx.lineJoin = "round";
  ctx.beginPath();
  ctx.moveTo(from.x, from.y);
  ctx.lineTo(point.x + (from === point ? 0.01 : 0), point.y);
  ctx.stroke();
  draw.last = point;
}

function clearCanvas() {
  draw.ctx.fillStyle = "#ffffff";
  draw.ctx.fillRect(0, 0, draw.canvas.width, draw.canvas.height);
}

// The drawing shrunk to SEND_SIZE x SEND_SIZE, as ink values (1 = black ink, 0 = white paper).
function canvasInk() {
  const small = document.createElement("canvas");
  small.width = SEND_SIZE;
  small.height = SEND_SIZE;
  const ctx = small.getContext("2d");
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = "high";
  ctx.drawImage(draw.canvas, 0, 0, SEND_SIZE, SEND_SIZE);
  const data = ctx.getImageData(0, 0, SEND_SIZE, SEND_SIZE).data;
  const pixels = new Array(SEND_SIZE * SEND_SIZE);
  for (let i = 0; i < pixels.length; i++) {
    const lum = (0.299 * data[4 * i] + 0.587 * data[4 * i + 1] + 0.114 * data[4 * i + 2]) / 255;
    pixels[i] = Math.round((1 - lum) * 1000) / 1000;
  }
  return pixels;
}

// ---------------------------------------------------------------- live prediction

// At most one request in flight while drawing; while it runs, only remember that the drawing
// changed (and when), and send the latest drawing as soon as the answer arrives. When a stroke
// ends, the answer to the finished drawing matters most: an older request still running is
// abandoned and the final drawing is sent at once.
const predictQueue = { inFlight: false, pendingSince: null, latest: null, controller: null, serial: 0 };

function requestPredict(options = {}) {
  const now = performance.now();
  if (predictQueue.inFlight && !options.now) {
    if (predictQueue.pendingSince === null) predictQueue.pendingSince = now;
    predictQueue.latest = now;
    return;
  }
  if (predictQueue.controller) predictQueue.controller.abort();
  sendPredict(now);
}

async function sendPredict(eventTime) {
  const serial = ++predictQueue.serial;
  const controller = new AbortController();
  predictQueue.controller = controller;
  predictQueue.inFlight = true;
  predictQueue.pendingSince = null;
  try {
    const body = { width: SEND_SIZE, height: SEND_SIZE, pixels: canvasInk(), prepare: $("prepare").checked };
    const result = await api("/api/predict", { body, signal: controller.signal });
    showPrediction(result.blank ? null : result);
    window.lastPredictMs = performance.now() - eventTime;
    $("latency").textContent = `answered in ${Math.round(window.lastPredictMs)} ms`;
  } catch (error) {
    if (error.name === "AbortError") return;  // a newer drawing was sent instead
    $("latency").textContent = `Could not ask the network: ${error.message}`;
  } finally {
    if (serial === predictQueue.serial) {
      predictQueue.inFlight = false;
      predictQueue.controller = null;
      if (predictQueue.pendingSince !== null) sendPredict(predictQueue.latest);
    }
  }
}

function setupProbabilities() {
  const box = $("probabilities");
  for (let d = 0; d < 10; d++) {
    const row = document.createElement("div");
    row.className = "prob";
    row.dataset.digit = String(d);
    row.innerHTML = `<span class="digit">${d}</span><span class="track"><span class="bar"></span></span><span class="value"></span>`;
    box.appendChild(row);
  }
}

function showPrediction(result) {
  state.result = result;
  $("answer").textContent = result ? String(result.digit) : "–";
  $("answer-spoken").textContent = result ? `The network reads: ${result.digit}`
    : "The network reads: nothing yet (draw a digit).";
  $("draw-canvas").setAttribute("aria-label", result
    ? `Drawing area: your drawing, which the network reads as ${result.digit}.`
    : "Drawing area: empty. Draw one digit here with the mouse or a finger.");
  for (const row of $("probabilities").children) {
    const d = Number(row.dataset.digit);
    const p = result ? result.probabilities[d] : 0;
    row.querySelector(".bar").style.width = `${(100 * Math.max(0, Math.min(1, p))).toFixed(1)}%`;
    row.querySelector(".value").textContent = result ? `${(100 * p).toFixed(1)}%` : "";
    row.classList.toggle("answer", !!result && d === result.digit);
  }
  showPreview(result ? result.input : null);
  updateNetwork();
  updateNeuronNumbers();
}

function showPreview(input) {
  const canvas = $("preview");
  canvas.setAttribute("aria-label", input ? "What the network sees: your drawing as 28x28 pixels, white ink on black."
    : "What the network sees: an empty 28x28 picture.");
  const ctx = canvas.getContext("2d");
  const image = ctx.createImageData(28, 28);
  for (let i = 0; i < 784; i++) {
    const v = Math.round(255 * (input ? Math.max(0, Math.min(1, input[i])) : 0));
    image.data.set([v, v, v, 255], i * 4); // MNIST style: white ink on black
  }
  ctx.putImageData(image, 0, 0);
}

// ---------------------------------------------------------------- network picture

const NET = {
  pixel: 10, gridX: 12, gridY: 110,         // 28x28 input grid
  columns: [0, 400, 545, 690],               // x of layers 1..3 (index 0 unused)
  middle: 250,                               // y of the layers' middle; the labels sit above them
  nodes: [],                                  // nodes[layer][i] = {el, x, y}
  lineGroup: null,
};

function nodeY(n, i) {
  const gap = n > 10 ? 24 : 36;
  return NET.middle + (i - (n - 1) / 2) * gap;
}

function neuronName(layer, i) {
  return layer === 3 ? `output neuron for digit ${i}` : `layer ${layer} neuron ${i}`;
}

function buildNetwork() {
  const svg = $("network");
  svg.textContent = "";
  const sizes = state.model ? state.model.sizes : [784, 16, 16, 10];
  NET.lineGroup = document.createElementNS(SVG_NS, "g");
  svg.appendChild(NET.lineGroup);
  NET.nodes = [[]];

  const inputs = document.createElementNS(SVG_NS, "g");
  for (let i = 0; i < 784; i++) {
    const rect = document.createElementNS(SVG_NS, "rect");
    const x = NET.gridX + (i % 28) * NET.pixel;
    const y = NET.gridY + Math.floor(i / 28) * NET.pixel;
    setAttrs(rect, { x, y, width: NET.pixel - 1, height: NET.pixel - 1, class: "neuron", "data-layer": 0,
      "data-index": i, fill: activationColor(0) });
    inputs.appendChild(rect);
    NET.nodes[0].push({ el: rect, x: x + NET.pixel / 2, y: y + NET.pixel / 2 });
  }
  const frame = document.createElementNS(SVG_NS, "rect");
  setAttrs(frame, { x: NET.gridX - 2, y: NET.gridY - 2, width: 28 * NET.pixel + 3, height: 28 * NET.pixel + 3,
    fill: "none", stroke: "#5a6380", "stroke-width": 1 });
  svg.appendChild(frame);
  svg.appendChild(inputs);
  addText(svg, NET.gridX + 140, NET.gridY - 14, "784 input pixels", "middle");

  for (let layer = 1; layer < sizes.length; layer++) {
    const n = sizes[layer];
    const x = NET.columns[layer];
    NET.nodes.push([]);
    for (let i = 0; i < n; i++) {
      const circle = document.createElementNS(SVG_NS, "circle");
      const y = nodeY(n, i);
      setAttrs(circle, { cx: x, cy: y, r: layer === 3 ? 13 : 9, class: "neuron", "data-layer": layer,
        "data-index": i, fill: activationColor(0), tabindex: 0, role: "button", "aria-label": neuronName(layer, i) });
      const title = document.createElementNS(SVG_NS, "title");
      title.textContent = neuronName(layer, i);
      circle.appendChild(title);
      svg.appendChild(circle);
      NET.nodes[layer].push({ el: circle, x, y });
      if (layer === 3) {
        const digit = addText(svg, x + 22, y, String(i), "start");
        digit.dataset.digit = String(i);
        digit.setAttribute("dominant-baseline", "central");
      }
    }
    const lines = layer === sizes.length - 1 ? [`${n}`, "outputs"] : [`${n} hidden`, `layer ${layer}`];
    addLines(svg, x, 22, lines);
  }
  if (state.selected) {
    const node = NET.nodes[state.selected.layer] && NET.nodes[state.selected.layer][state.selected.index];
    if (node) node.el.classList.add("selected");
  }
  updateNetwork();
}

function setAttrs(el, attrs) {
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
}

function addText(svg, x, y, text, anchor) {
  const el = document.createElementNS(SVG_NS, "text");
  setAttrs(el, { x, y, "text-anchor": anchor, "aria-hidden": "true" });
  el.textContent = text;
  svg.appendChild(el);
  return el;
}

// A label of one or more lines centred on x, the first line's baseline at y.
function addLines(svg, x, y, lines) {
  const el = addText(svg, x, y, "", "middle");
  lines.forEach((line, k) => {
    const span = document.createElementNS(SVG_NS, "tspan");
    setAttrs(span, { x, dy: k === 0 ? 0 : "1.15em" });
    span.textContent = line;
    el.appendChild(span);
  });
  return el;
}

// The activation function of a layer (0 = the input pixels), by name, from /api/model.
function layerActivation(layer) {
  if (layer === 0) return "input";
  const m = state.model;
  if (!m) return "sigmoid";
  return layer === m.sizes.length - 1 ? m.output : m.activation;
}

// [low, high]: the values a layer's neurons are coloured between (dark to bright). Sigmoid and
// softmax give 0 to 1 and tanh -1 to 1; ReLU has no top, so its brightest is the layer's largest
// value (or 1, if all are below 1).
function activationRange(name, values) {
  if (name === "tanh") return [-1, 1];
  if (name === "relu") return [0, Math.max(1, ...(values || [0]))];
  return [0, 1];
}

function updateNetwork() {
  if (!NET.nodes.length) return;
  const r = state.result;
  const acts = r ? [r.input, ...r.activations] : null;
  NET.nodes.forEach((nodes, layer) => {
    const [low, high] = activationRange(layerActivation(layer), acts ? acts[layer] : null);
    nodes.forEach((node, i) => {
      const a = acts ? acts[layer][i] : low;
      node.el.setAttribute("fill", activationColor((a - low) / (high - low)));
      if (layer === 3) node.el.classList.toggle("answer", !!r && r.digit === i);
    });
  });
  document.querySelectorAll("#network text[data-digit]").forEach((t) => {
    t.classList.toggle("answer-label", !!r && Number(t.dataset.digit) === r.digit);
  });
  drawConnections(acts);
}

// For each neuron, lines from its few strongest sources: strength = |weight * source activation|.
function drawConnections(acts) {
  const group = NET.lineGroup;
  group.textContent = "";
  if (!acts || !state.model) return;
  const perLayer = [0, 2, 3, 3]; // layer 1 gets only 2 pixel lines per neuron
  for (let layer = 1; layer < NET.nodes.length; layer++) {
    const W = state.model.weights[layer - 1]; // (n_in, n_out)
    const source = acts[layer - 1];
    const lines = [];
    NET.nodes[layer].forEach((node, j) => {
      const contributions = source.map((a, i) => ({ i, v: W[i][j] * a }));
      contributions.sort((p, q) => Math.abs(q.v) - Math.abs(p.v));
      for (const c of contributions.slice(0, perLayer[layer])) if (c.v !== 0) lines.push({ j, ...c });
    });
    const max = Math.max(1e-9, ...lines.map((l) => Math.abs(l.v)));
    for (const l of lines) {
      const from = NET.nodes[layer - 1][l.i];
      const to = NET.nodes[layer][l.j];
      const line = document.createElementNS(SVG_NS, "line");
      const strength = Math.abs(l.v) / max;
      setAttrs(line, { x1: from.x, y1: from.y, x2: to.x, y2: to.y,
        stroke: l.v > 0 ? "#4d8dff" : "#ff4d4d", "stroke-width": (0.8 + 2.2 * strength).toFixed(2),
        "stroke-opacity": (0.15 + 0.8 * strength).toFixed(2) });
      group.appendChild(line);
    }
  }
}

// ---------------------------------------------------------------- neuron panel

function onNetworkClick(e) {
  const el = e.target.closest(".neuron");
  if (el) selectNeuron(el);
}

// Enter or Space on a focused neuron opens it, as a click does.
function onNetworkKey(e) {
  const el = e.target.closest(".neuron");
  if (!el || (e.key !== "Enter" && e.key !== " ")) return;
  e.preventDefault();
  selectNeuron(el);
}

function selectNeuron(el) {
  document.querySelectorAll("#network .selected").forEach((n) => n.classList.remove("selected"));
  el.classList.add("selected");
  state.selected = { layer: Number(el.dataset.layer), index: Number(el.dataset.index) };
  showNeuron();
}

async function showNeuron() {
  const sel = state.selected;
  if (!sel) return;
  const { layer, index } = sel;
  $("neuron-formula").textContent = neuronFormula(layer);
  const canvas = $("neuron-weights");
  if (layer === 0) {
    state.neuronInfo = null;
    $("neuron-title").textContent = `Input pixel: row ${Math.floor(index / 28)}, column ${index % 28}`;
    $("neuron-weights-hint").textContent = "Input pixels have no weights: they are just how much ink the picture has there (0 to 1).";
    canvas.getContext("2d").clearRect(0, 0, 168, 168);
    canvas.setAttribute("aria-label", "An input pixel has no weights.");
    $("neuron-bias").textContent = "none";
    updateNeuronNumbers();
    return;
  }
  const names = { 1: "Hidden layer 1", 2: "Hidden layer 2", 3: "Output" };
  $("neuron-title").textContent = layer === 3 ? `Output neuron for digit ${index}` : `${names[layer]}, neuron ${index}`;
  try {
    const info = await api(`/api/neuron/${layer}/${index}`);
    state.neuronInfo = info;
    if (layer === 1) {
      paintWeights(canvas, info.weights, 28, 28);
      $("neuron-weights-hint").textContent = "Its 784 weights as a 28x28 image: ink on blue pixels raises its sum, ink on red lowers it.";
      canvas.setAttribute("aria-label", `The 784 incoming weights of ${neuronName(layer, index)} as a 28x28 image: blue positive, red negative.`);
    } else {
      paintBars(canvas, info.weights);
      $("neuron-weights-hint").textContent = `Its ${info.weights.length} incoming weights, one bar per neuron of the layer before: blue up = positive, red down = negative.`;
      canvas.setAttribute("aria-label", `The ${info.weights.length} incoming weights of ${neuronName(layer, index)} as bars: ` +
        `${info.weights.filter((w) => w > 0).length} positive, ${info.weights.filter((w) => w < 0).length} negative.`);
    }
    $("neuron-bias").textContent = fmt(info.bias);
  } catch (error) {
    $("neuron-bias").textContent = error.message;
  }
  updateNeuronNumbers();
}

// What a neuron of this layer computes, in words, with the network's own activation function.
const ACTIVATION_WORDS = {
  sigmoid: "squashes the sum into 0 to 1 with the sigmoid (a = σ(z))",
  relu: "keeps the sum if it is positive and gives 0 otherwise, with ReLU (a = max(0, z)): there is no upper limit",
  tanh: "squashes the sum into −1 to 1 with tanh (a = tanh(z))",
};

function neuronFormula(layer) {
  if (layer === 0) return "Input pixels add nothing up: each is the ink at one spot of the 28x28 picture, 0 to 1.";
  const name = layerActivation(layer);
  const inputs = layer === 1 ? "the pixels weighted by this image" : "the layer before's outputs weighted by these bars";
  if (name === "softmax") {
    return `Each output neuron adds up ${inputs} and its bias (z = w·x + b); softmax then turns the ` +
      "10 sums into probabilities that add up to 1 (a = eᶻ / Σ eᶻ).";
  }
  const words = ACTIVATION_WORDS[name] || `applies ${name} to the sum (a = ${name}(z))`;
  const kind = layer === 3 ? "output" : "hidden";
  return `Each ${kind} neuron adds up ${inputs}, adds its bias (z = w·x + b), and ${words}.`;
}

// The sentence under the network diagram saying what its colours mean for this network.
function networkColours() {
  const m = state.model;
  const hidden = {
    sigmoid: "Hidden sigmoid neurons give 0 to 1: dark is 0 (quiet), bright is 1 (active).",
    relu: "Hidden ReLU neurons give 0 or more, with no top: dark is 0, and the brightest is the layer's most active neuron (or 1, if none is above 1).",
    tanh: "Hidden tanh neurons give −1 to 1: dark is −1, bright is 1.",
  }[m.activation] || `Hidden ${m.activation} neurons: dark is low, bright is high.`;
  const output = m.output === "softmax" ? "The outputs are softmax probabilities, 0 (dark) to 1 (bright)."
    : `The outputs are ${m.output} neurons, ${m.output === "tanh" ? "−1" : "0"} (dark) to 1 (bright).`;
  return `${hidden} ${output}`;
}

function paintBars(canvas, weights) {
  const ctx = canvas.getContext("2d");
  const { width: w, height: h } = canvas;
  ctx.clearRect(0, 0, w, h);
  ctx.fillStyle = "#fafbfd";
  ctx.fillRect(0, 0, w, h);
  const scale = Math.max(1e-9, ...weights.map(Math.abs));
  const bw = w / weights.length;
  weights.forEach((v, i) => {
    const [r, g, b] = diverging(v / scale);
    const bar = (Math.abs(v) / scale) * (h / 2 - 6);
    ctx.fillStyle = `rgb(${r},${g},${b})`;
    ctx.fillRect(i * bw + 1, v >= 0 ? h / 2 - bar : h / 2, Math.max(1, bw - 2), bar);
  });
  ctx.strokeStyle = "#888";
  ctx.beginPath();
  ctx.moveTo(0, h / 2);
  ctx.lineTo(w, h / 2);
  ctx.stroke();
}

function updateNeuronNumbers() {
  const sel = state.selected;
  const r = state.result;
  if (!sel) return;
  if (!r) {
    $("neuron-z").textContent = sel.layer === 0 ? "–" : "– (draw a digit first)";
    $("neuron-a").textContent = "– (draw a digit first)";
    return;
  }
  if (sel.layer === 0) {
    $("neuron-z").textContent = "–";
    $("neuron-a").textContent = fmt(r.input[sel.index]);
    return;
  }
  $("neuron-z").textContent = fmt(r.zs[sel.layer - 1][sel.index]);
  $("neuron-a").textContent = fmt(r.activations[sel.layer - 1][sel.index]);
}

// ---------------------------------------------------------------- model

async function loadModel() {
  try {
    state.model = await api("/api/model");
    const m = state.model;
    const acc = m.test_accuracy === null || m.test_accuracy === undefined ? "not measured"
      : `${(100 * m.test_accuracy).toFixed(1)}% of test digits right`;
    $("model-info").textContent = `Current network: ${m.sizes.join("-")}, ${m.activation} neurons, ` +
      `${m.cost} cost, ${m.n_params.toLocaleString()} weights and biases; ${acc}` + (m.recipe ? ` (recipe: ${m.recipe}).` : ".");
    $("network-colours").textContent = networkColours();
    $("neuron-formula").textContent = neuronFormula(state.selected ? state.selected.layer : 1);
    paintModelWeights(m);
    buildNetwork();
    if (state.selected && state.selected.layer > 0) showNeuron();
  } catch (error) {
    $("model-info").textContent = `Could not load the network: ${error.message}`;
  }
}

// ---------------------------------------------------------------- training

// The first-layer weights of the network in use, until a training sends its own.
function paintModelWeights(m) {
  if (training.source) return;
  const first = m.weights[0]; // (784, n_hidden)
  [...$("train-weights").children].forEach((canvas, j) => paintWeights(canvas, first.map((row) => row[j])));
}

// What the page's two recipes are, in words; their settings come from the server (GET /api/recipes).
const RECIPE_HINTS = {
  seed: "seed: sigmoid neurons, mean squared error, plain stochastic gradient descent on batches of 10, as in the slides.",
  modern: "modern: ReLU neurons, softmax output with cross-entropy, and the Adam optimizer: what is done today.",
};

const training = { source: null, history: [], total: 0, recipes: {} };

// The boxes start from the chosen recipe's own settings, as src/digitnet/recipes.py has them.
function showRecipe(name) {
  const settings = training.recipes[name];
  $("train-recipe-hint").textContent = RECIPE_HINTS[name] || name;
  if (!settings) return; // the server's list has not come (yet): the boxes keep what they show
  $("train-learning-rate").value = settings.learning_rate;
  $("train-batch-size").value = settings.batch_size;
  $("train-recipe-epochs").textContent = settings.epochs;
}

function setupTraining() {
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
  drawCurve();
  // If a training is already running (page reloaded), follow it.
  api("/api/train/status").then((s) => { if (s && s.running) followRunning(s); }).catch(() => {});
}

function setStatus(text, error = false) {
  $("train-status").textContent = text;
  $("train-status").classList.toggle("error", error);
}

// The number in box `id`, as {value}; {value: undefined} for an empty box whose label says empty is
// fine (data-optional); otherwise {problem}, also shown under the box, and the box is marked invalid.
function readNumber(id, whole) {
  const input = $(id);
  const raw = input.value.trim();
  const value = Number(raw);
  let problem = null;
  if (input.validity.badInput) {
    problem = `This is not a number the page can use: type one such as ${whole ? "10" : "0.5"}.`;
  } else if (raw === "" && !("optional" in input.dataset)) {
    problem = `This box needs a number, such as ${whole ? "10" : "0.5"}.`;
  } else if (raw !== "" && !Number.isFinite(value)) {
    problem = `${raw} is not a finite number: type one such as ${whole ? "10" : "0.5"}.`;
  } else if (raw !== "" && whole && !Number.isInteger(value)) {
    problem = `This needs a whole number, such as ${Math.max(1, Math.round(value))}, not ${raw}.`;
  } else if (raw !== "" && value <= 0) {
    problem = `This needs a number greater than 0, not ${raw}.`;
  } else if (raw !== "" && input.max !== "" && value > Number(input.max)) {
    problem = `This can be at most ${input.max}, not ${raw}.`;
  }
  showProblem(input, problem);
  if (problem) return { problem };
  return { value: raw === "" ? undefined : value };
}

function showProblem(input, problem) {
  const note = $(`${input.id}-error`);
  note.textContent = problem || "";
  note.hidden = !problem;
  if (problem) input.setAttribute("aria-invalid", "true");
  else input.removeAttribute("aria-invalid");
}

// A box's name, from its label without the "(empty: ...)" note.
function boxName(id) {
  return document.querySelector(`label[for="${id}"]`).firstChild.textContent.trim();
}

// The training form as the body of POST /api/train, or null (nothing is sent) if a box needs fixing.
function readTrainingForm() {
  const boxes = { learning_rate: ["train-learning-rate", false], batch_size: ["train-batch-size", true],
    epochs: ["train-epochs", true], examples: ["train-examples", true] };
  const body = { recipe: $("train-recipe").value };
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
  training.total = body.epochs || await runningEpochs(body.recipe);
  drawCurve();
  const settings = describeSettings(body, training.total);
  $("train-settings").textContent = `Running with: ${settings}.`;
  setStatus(`Training started: ${settings}… (loading data may take a few seconds)`);
  followTraining();
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
  followTraining();
}

function followTraining() {
  if (training.source) training.source.close();
  $("train-start").disabled = true;
  $("train-stop").disabled = false;
  const source = new EventSource("/api/train/events");
  training.source = source;
  source.addEventListener("epoch", (e) => {
    const d = JSON.parse(e.data);
    training.history[d.epoch - 1] = d;
    training.total = d.epochs;
    drawCurve();
    if (d.weights0) d.weights0.forEach((w, i) => paintWeights($("train-weights").children[i], w));
    setStatus(`Epoch ${d.epoch} of ${d.epochs}: ${percent(d.test_accuracy)} of test digits right, ` +
      `cost ${fmt(d.test_cost, 4)} (${d.seconds.toFixed(1)} s).`);
  });
  source.addEventListener("done", async (e) => {
    source.close();
    training.source = null;
    $("train-start").disabled = false;
    $("train-stop").disabled = true;
    const d = JSON.parse(e.data);
    const { text, error } = describeDone(d);
    setStatus(text, error);
    $("train-settings").textContent = $("train-settings").textContent.replace(/^Running/, "Last training");
    if (d.epochs > 0) {
      await loadModel();
      requestPredict();
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
  const uses = " The Draw tab now uses this network.";
  if (reasons[d.stopped]) return { text: `Stopped after ${after}: ${reasons[d.stopped]}.${acc}${uses}`, error: true };
  const why = d.stopped === "interrupted" ? "Stopped early" : "Finished";
  return { text: `${why} after ${after}.${acc}${uses}`, error: false };
}

function drawCurve() {
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

// ---------------------------------------------------------------- gradient descent

const FUNCTIONS = {
  square: (x) => x * x,
  quartic: (x) => x ** 4 - 5 * x * x - 3 * x,
  bowl: (x, y) => x * x + 10 * y * y,
  rosenbrock: (x, y) => (1 - x) ** 2 + 100 * (y - x * x) ** 2,
};
const descent = { timer: null, serial: 0 };
const DESCENT_TOLERANCE = 1e-6; // simple_gd's: a walk stops once every part of a step is at most this

function setupDescent() {
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
  data.n_iter = nIter;
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
      describeDescent(data, name);
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
  ctx.fillStyle = k === 0 ? "#1f9d55" : "#d62728";
  ctx.strokeStyle = "#fff";
  ctx.beginPath();
  ctx.arc(x, y, k === 0 ? 6 : long ? 1.5 : 4, 0, 2 * Math.PI);
  ctx.fill();
  if (!long || k === 0) ctx.stroke();
  ctx.restore();
}

function describeDescent(data, name) {
  const path = data.path;
  const end = path[path.length - 1];
  const where = end.map((v) => fmt(v, 4)).join(", ");
  const value = FUNCTIONS[name](...end);
  const steps = path.length - 1;
  const out = $("descent-result");
  const plot = $("descent-plot");
  const ended = `after ${count(steps, "step")} at (${where}), where f = ${fmt(value, 4)}`;
  plot.setAttribute("aria-label", `Gradient descent plot of ${functionLabel()} at learning rate ${data.learning_rate}: ` +
    `the walk from (${path[0].map((v) => fmt(v, 4)).join(", ")}) ended ${ended}.`);
  const { text, error } = descentVerdict(data, name, ended, where);
  out.textContent = text;
  out.classList.toggle("error", error);
}

// Why the walk ended, in words: it flew away, it stopped because its step fell below the
// tolerance, or it used up all its steps (still bouncing, or still crawling) without settling.
function descentVerdict(data, name, ended, where) {
  const path = data.path;
  const steps = path.length - 1;
  const value = FUNCTIONS[name](...path[steps]);
  const dots = " Green dot: the start; red dots: each step.";
  if (data.diverged) {
    return { text: `Diverged after ${count(steps, "step")}: the steps grew until x reached (${where}). The learning rate is too big for this function.`, error: true };
  }
  if (Math.abs(value) > Math.abs(FUNCTIONS[name](...path[0])) * 10 && Math.abs(value) > 1e3) {
    return { text: `After ${count(steps, "step")} it is at (${where}), where f = ${fmt(value, 4)}: each step overshoots more, so it is diverging. Try a smaller learning rate.`, error: true };
  }
  if (steps < data.n_iter) {
    const barely = steps <= 2 ? " It hardly moved: the learning rate is too small to get anywhere." : "";
    return { text: `Stopped ${ended}: the step was smaller than the tolerance ${DESCENT_TOLERANCE.toExponential()}.${barely}${dots}`, error: false };
  }
  const last = stepOf(path, steps);
  const before = stepOf(path, steps - 1);
  const size = Math.max(...last.map(Math.abs));
  const bounces = steps >= 2 && last.some((v, i) => v * before[i] < 0);
  const closer = size < 0.99 * Math.max(...before.map(Math.abs));
  if (!bounces && size < 1e-3) {
    return { text: `Nearly settled: it ended ${ended}, its last step ${fmt(size, 4)} long (it stops below ${DESCENT_TOLERANCE.toExponential()}).${dots}`, error: false };
  }
  let why;
  if (bounces && !closer) why = "it bounces from side to side of the minimum without getting closer; try a smaller learning rate";
  else if (bounces) why = "it bounces from side to side of the minimum, closing in only slowly; try a smaller learning rate";
  else why = "it is still creeping downhill; a bigger learning rate (or more steps) would take it further";
  return { text: `Did not settle: it ended ${ended}, its last step still ${fmt(size, 4)} long: ${why}.${dots}`, error: false };
}

// Step k of a path, as the change in each coordinate.
function stepOf(path, k) {
  return path[k].map((v, i) => v - path[k - 1][i]);
}

// ---------------------------------------------------------------- start

function main() {
  setupTabs();
  setupProbabilities();
  $("network").addEventListener("click", onNetworkClick);
  $("network").addEventListener("keydown", onNetworkKey);
  setupDrawing();
  buildNetwork();
  showPrediction(null);
  setupTraining();
  setupDescent();
  loadModel();
}

main();
