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

function fmt(x, digits = 3) {
  if (x === null || x === undefined || Number.isNaN(x)) return "–";
  if (Math.abs(x) >= 1e4 || (Math.abs(x) < 1e-3 && x !== 0)) return x.toExponential(2);
  return x.toFixed(digits);
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

function setupTabs() {
  const names = ["draw", "train", "descent"];
  for (const name of names) {
    $(`tab-${name}`).addEventListener("click", () => {
      for (const other of names) {
        $(`tab-${other}`).setAttribute("aria-selected", String(other === name));
        $(`panel-${other}`).hidden = other !== name;
      }
    });
  }
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
  pixel: 10, gridX: 12, gridY: 70,          // 28x28 input grid
  columns: [0, 400, 545, 690],               // x of layers 1..3 (index 0 unused)
  height: 420,
  nodes: [],                                  // nodes[layer][i] = {el, x, y}
  lineGroup: null,
};

function nodeY(n, i) {
  const gap = n > 10 ? 24 : 36;
  return NET.height / 2 + (i - (n - 1) / 2) * gap;
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
        "data-index": i, fill: activationColor(0) });
      const title = document.createElementNS(SVG_NS, "title");
      title.textContent = layer === 3 ? `output neuron for digit ${i}` : `hidden layer ${layer}, neuron ${i}`;
      circle.appendChild(title);
      svg.appendChild(circle);
      NET.nodes[layer].push({ el: circle, x, y });
      if (layer === 3) addText(svg, x + 22, y + 5, String(i), "start").dataset.digit = String(i);
    }
    const label = layer === 3 ? "10 outputs" : `16 hidden (layer ${layer})`;
    addText(svg, x, 20, label, "middle");
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
  setAttrs(el, { x, y, "text-anchor": anchor });
  el.textContent = text;
  svg.appendChild(el);
  return el;
}

function updateNetwork() {
  if (!NET.nodes.length) return;
  const r = state.result;
  const acts = r ? [r.input, ...r.activations] : null;
  NET.nodes.forEach((nodes, layer) => {
    nodes.forEach((node, i) => {
      node.el.setAttribute("fill", activationColor(acts ? acts[layer][i] : 0));
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
  if (!el) return;
  document.querySelectorAll("#network .selected").forEach((n) => n.classList.remove("selected"));
  el.classList.add("selected");
  state.selected = { layer: Number(el.dataset.layer), index: Number(el.dataset.index) };
  showNeuron();
}

async function showNeuron() {
  const sel = state.selected;
  if (!sel) return;
  const { layer, index } = sel;
  if (layer === 0) {
    state.neuronInfo = null;
    $("neuron-title").textContent = `Input pixel: row ${Math.floor(index / 28)}, column ${index % 28}`;
    $("neuron-weights-hint").textContent = "Input pixels have no weights: they are just how much ink the picture has there (0 to 1).";
    $("neuron-weights").getContext("2d").clearRect(0, 0, 168, 168);
    $("neuron-bias").textContent = "none";
    updateNeuronNumbers();
    return;
  }
  const names = { 1: "Hidden layer 1", 2: "Hidden layer 2", 3: "Output" };
  $("neuron-title").textContent = layer === 3 ? `Output neuron for digit ${index}` : `${names[layer]}, neuron ${index}`;
  try {
    const info = await api(`/api/neuron/${layer}/${index}`);
    state.neuronInfo = info;
    const canvas = $("neuron-weights");
    if (layer === 1) {
      paintWeights(canvas, info.weights, 28, 28);
      $("neuron-weights-hint").textContent = "Its 784 weights as a 28x28 image: ink on blue pixels raises its sum, ink on red lowers it.";
    } else {
      paintBars(canvas, info.weights);
      $("neuron-weights-hint").textContent = `Its ${info.weights.length} incoming weights, one bar per neuron of the layer before: blue up = positive, red down = negative.`;
    }
    $("neuron-bias").textContent = fmt(info.bias);
  } catch (error) {
    $("neuron-bias").textContent = error.message;
  }
  updateNeuronNumbers();
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
    buildNetwork();
    if (state.selected && state.selected.layer > 0) showNeuron();
  } catch (error) {
    $("model-info").textContent = `Could not load the network: ${error.message}`;
  }
}

// ---------------------------------------------------------------- training

const RECIPE_INFO = {
  seed: { rate: 3.0, batch: 10, hint: "seed: sigmoid neurons, mean squared error, plain stochastic gradient descent on batches of 10, as in the slides." },
  modern: { rate: 0.001, batch: 16, hint: "modern: ReLU neurons, softmax output with cross-entropy, and the Adam optimizer: what is done today." },
};

const training = { source: null, history: [] };

function setupTraining() {
  const recipe = $("train-recipe");
  recipe.addEventListener("change", () => {
    const info = RECIPE_INFO[recipe.value];
    $("train-learning-rate").value = info.rate;
    $("train-batch-size").value = info.batch;
    $("train-recipe-hint").textContent = info.hint;
  });
  $("train-start").addEventListener("click", startTraining);
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
    grid.appendChild(c);
  }
  drawCurve();
  // If a training is already running (page reloaded), follow it.
  api("/api/train/status").then((s) => { if (s && s.running) followTraining(); }).catch(() => {});
}

function setStatus(text, error = false) {
  $("train-status").textContent = text;
  $("train-status").classList.toggle("error", error);
}

function numberOrUndefined(id, integer) {
  const raw = $(id).value.trim();
  if (raw === "") return undefined;
  return integer ? parseInt(raw, 10) : Number(raw);
}

async function startTraining() {
  const body = {
    recipe: $("train-recipe").value,
    learning_rate: numberOrUndefined("train-learning-rate", false),
    batch_size: numberOrUndefined("train-batch-size", true),
    epochs: numberOrUndefined("train-epochs", true),
    examples: numberOrUndefined("train-examples", true),
  };
  try {
    await api("/api/train", { body });
  } catch (error) {
    setStatus(error.message, true);
    return;
  }
  training.history = [];
  drawCurve();
  setStatus(`Training started: ${body.epochs || "?"} epochs… (loading data may take a few seconds)`);
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
    setStatus(`Epoch ${d.epoch} of ${d.epochs}: ${(100 * d.test_accuracy).toFixed(1)}% of test digits right, ` +
      `cost ${fmt(d.test_cost, 4)} (${d.seconds.toFixed(1)} s).`);
  });
  source.addEventListener("done", async (e) => {
    source.close();
    training.source = null;
    $("train-start").disabled = false;
    $("train-stop").disabled = true;
    const d = JSON.parse(e.data);
    const acc = d.test_accuracy === null || d.test_accuracy === undefined ? "" : ` ${(100 * d.test_accuracy).toFixed(1)}% of test digits right.`;
    const why = { interrupted: "Stopped early", diverged: "Stopped: the cost blew up (try a smaller learning rate)",
      stuck: "Stopped: the network stopped learning (try another learning rate)" }[d.stopped] || "Finished";
    setStatus(d.epochs === 0 ? "No training ran." : `${why} after ${d.epochs} epochs.${acc} The Draw tab now uses this network.`,
      d.stopped === "diverged" || d.stopped === "stuck");
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

function drawCurve() {
  const canvas = $("train-curve");
  const ctx = canvas.getContext("2d");
  const { width: W, height: H } = canvas;
  const pad = { l: 52, r: 56, t: 28, b: 40 };
  const pw = W - pad.l - pad.r;
  const ph = H - pad.t - pad.b;
  const points = training.history.filter(Boolean);
  canvas.dataset.epochs = String(points.length);
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
const descent = { timer: null };

function setupDescent() {
  $("descent-run").addEventListener("click", runDescent);
}

async function runDescent() {
  const name = $("descent-function").value;
  const rate = Number($("descent-learning-rate").value);
  const plot = $("descent-plot");
  clearInterval(descent.timer);
  plot.dataset.steps = "0";
  $("descent-result").classList.remove("error");
  let data;
  try {
    data = await api("/api/descent", { body: { function: name, learning_rate: rate, n_iter: name === "rosenbrock" ? 2000 : 50 } });
  } catch (error) {
    $("descent-result").textContent = error.message;
    $("descent-result").classList.add("error");
    return;
  }
  const view = data.dimensions === 1 ? setupPlot1d(plot, data) : setupPlot2d(plot, data);
  const path = data.path;
  const perTick = Math.max(1, Math.ceil(path.length / 150)); // long paths: several steps per frame
  let shown = 0;
  $("descent-result").textContent = "Walking downhill…";
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
  for (let k = 0; k <= 4; k++) {
    const xv = x0 + ((x1 - x0) * k) / 4;
    const yv = y0 + ((y1 - y0) * k) / 4;
    ctx.textAlign = "center";
    ctx.fillText(fmt(xv, 2), view.X(xv), pad.t + ph + 16);
    ctx.textAlign = "right";
    ctx.fillText(fmt(yv, 1), pad.l - 6, view.Y(yv) + 4);
  }
  ctx.textAlign = "center";
  ctx.fillText(xLabel, pad.l + pw / 2, pad.t + ph + 32);
  ctx.save();
  ctx.translate(14, pad.t + ph / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.fillText(yLabel, 0, 0);
  ctx.restore();
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
  const end = data.path[data.path.length - 1];
  const where = end.map((v) => fmt(v, 4)).join(", ");
  const value = FUNCTIONS[name](...end);
  const steps = data.path.length - 1;
  const out = $("descent-result");
  if (data.diverged) {
    out.textContent = `Diverged after ${steps} steps: the steps grew until x reached (${where}). The learning rate is too big for this function.`;
    out.classList.add("error");
  } else if (Math.abs(value) > Math.abs(FUNCTIONS[name](...data.path[0])) * 10 && Math.abs(value) > 1e3) {
    out.textContent = `After ${steps} steps it is at (${where}), where f = ${fmt(value, 4)}: each step overshoots more, so it is diverging. Try a smaller learning rate.`;
    out.classList.add("error");
  } else {
    out.textContent = `Ended after ${steps} steps at (${where}), where f = ${fmt(value, 4)}. Green dot: the start; red dots: each step.`;
  }
}

// ---------------------------------------------------------------- start

function main() {
  setupTabs();
  setupProbabilities();
  $("network").addEventListener("click", onNetworkClick);
  setupDrawing();
  buildNetwork();
  showPrediction(null);
  setupTraining();
  setupDescent();
  loadModel();
}

main();
