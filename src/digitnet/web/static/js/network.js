// The network picture, drawn as 3Blue1Brown draws it: the input pixels, the neurons coloured by
// activation, and the connections on a canvas underneath (#network-lines). Selecting a neuron
// highlights its incoming and outgoing connections, coloured by the weight's sign (blue positive,
// red negative, the lesson's colours) and as thick as the weight is large; the rest are dimmed.
// Dead neurons (GET /api/dead-neurons) are labelled "dead".
//
// Two layouts: "wide" (a desk) and "narrow" (a phone, drawn near 1:1 so that every neuron's tap
// target is at least 24 px and every label at least 12 px).

import { SVG_NS, $, api, activationColor } from "./helpers.js";
import { state } from "./state.js";

export const POSITIVE = "#2166ac";
export const NEGATIVE = "#b2182b";
const NARROW_BELOW = 600; // px: a network view narrower than this gets the narrow layout

const LAYOUTS = {
  wide: { width: 760, height: 460, pixel: 10, gridX: 12, gridY: 110, columns: [0, 400, 545, 690],
    middle: 250, gap: (n) => (n > 10 ? 24 : 36), radius: [0, 9, 9, 13], hit: 12, labelY: 22 },
  narrow: { width: 360, height: 520, pixel: 4, gridX: 6, gridY: 234, columns: [0, 165, 245, 315],
    middle: 290, gap: () => 28, radius: [0, 10, 10, 12], hit: 14, labelY: 22 },
};

const NET = {
  layout: LAYOUTS.wide,
  nodes: [],          // nodes[layer][i] = {el, x, y}
  dead: null,         // /api/dead-neurons for NET.deadModel
  deadModel: null,
  watching: false,    // a ResizeObserver follows the view's size
};

export function neuronName(layer, i) {
  return layer === 3 ? `output neuron for digit ${i}` : `layer ${layer} neuron ${i}`;
}

function nodeY(n, i) {
  return NET.layout.middle + (i - (n - 1) / 2) * NET.layout.gap(n);
}

function chooseLayout() {
  const box = $("network").parentElement.parentElement; // .network-layout
  const width = box.clientWidth || window.innerWidth;
  return width < NARROW_BELOW ? LAYOUTS.narrow : LAYOUTS.wide;
}

export function buildNetwork() {
  const svg = $("network");
  svg.textContent = "";
  const L = (NET.layout = chooseLayout());
  svg.setAttribute("viewBox", `0 0 ${L.width} ${L.height}`);
  svg.dataset.layout = L === LAYOUTS.narrow ? "narrow" : "wide";
  const sizes = state.model ? state.model.sizes : [784, 16, 16, 10];
  NET.nodes = [[]];

  const inputs = document.createElementNS(SVG_NS, "g");
  for (let i = 0; i < 784; i++) {
    const rect = document.createElementNS(SVG_NS, "rect");
    const x = L.gridX + (i % 28) * L.pixel;
    const y = L.gridY + Math.floor(i / 28) * L.pixel;
    setAttrs(rect, { x, y, width: L.pixel - (L.pixel > 5 ? 1 : 0.5), height: L.pixel - (L.pixel > 5 ? 1 : 0.5),
      class: "neuron", "data-layer": 0, "data-index": i, fill: activationColor(0) });
    inputs.appendChild(rect);
    NET.nodes[0].push({ el: rect, x: x + L.pixel / 2, y: y + L.pixel / 2 });
  }
  const frame = document.createElementNS(SVG_NS, "rect");
  setAttrs(frame, { x: L.gridX - 2, y: L.gridY - 2, width: 28 * L.pixel + 3, height: 28 * L.pixel + 3,
    fill: "none", stroke: "#5a6380", "stroke-width": 1 });
  svg.appendChild(frame);
  svg.appendChild(inputs);
  addLines(svg, L.gridX + 14 * L.pixel, L.gridY - 30, ["784 input", "pixels"]);

  for (let layer = 1; layer < sizes.length; layer++) {
    const n = sizes[layer];
    const x = L.columns[layer];
    NET.nodes.push([]);
    for (let i = 0; i < n; i++) {
      const y = nodeY(n, i);
      // a transparent circle behind each neuron: the tap target, at least 24 px across
      const hit = document.createElementNS(SVG_NS, "circle");
      setAttrs(hit, { cx: x, cy: y, r: L.hit, class: "hit", "data-layer": layer, "data-index": i });
      svg.appendChild(hit);
      const circle = document.createElementNS(SVG_NS, "circle");
      setAttrs(circle, { cx: x, cy: y, r: L.radius[layer], class: "neuron", "data-layer": layer,
        "data-index": i, fill: activationColor(0), tabindex: 0, role: "button", "aria-label": neuronName(layer, i) });
      const title = document.createElementNS(SVG_NS, "title");
      title.textContent = neuronName(layer, i);
      circle.appendChild(title);
      svg.appendChild(circle);
      NET.nodes[layer].push({ el: circle, x, y });
      if (layer === sizes.length - 1) {
        const digit = addText(svg, x + L.radius[layer] + 8, y, String(i), "start");
        digit.dataset.digit = String(i);
        digit.setAttribute("dominant-baseline", "central");
      }
    }
    const lines = layer === sizes.length - 1 ? [`${n}`, "outputs"] : [`${n} hidden`, `layer ${layer}`];
    addLines(svg, x, L.labelY, lines);
  }
  if (state.selected) {
    const node = NET.nodes[state.selected.layer] && NET.nodes[state.selected.layer][state.selected.index];
    if (node) node.el.classList.add("selected");
  }
  markDead();
  loadDead();
  updateNetwork();
  if (!NET.watching) watchNetworkSize();
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

// ---- dead neurons -------------------------------------------------------------------------

// {dead, why, low, high} of a hidden neuron, or null (not hidden, or not known yet).
export function deadInfo(layer, i) {
  const layers = NET.dead && NET.dead.layers;
  return layers && layers[layer - 1] ? layers[layer - 1][i] || null : null;
}

async function loadDead() {
  const model = state.model;
  if (!model || NET.deadModel === model) return;
  NET.deadModel = model;
  try {
    const dead = await api("/api/dead-neurons");
    if (state.model !== model) return;
    NET.dead = dead;
  } catch (error) {
    NET.dead = null;
    $("network-dead").textContent = `Which neurons are dead could not be worked out: ${error.message}`;
    return;
  }
  markDead();
  document.dispatchEvent(new CustomEvent("dead-neurons"));
}

// The word "dead" beside each dead neuron, and a sentence under the picture saying which and why.
function markDead() {
  const svg = $("network");
  svg.querySelectorAll(".dead-label").forEach((t) => t.remove());
  const byWhy = new Map(); // why -> {layer: [indices]}: neurons dead for the same reason are named together
  NET.nodes.forEach((nodes, layer) => nodes.forEach((node, i) => {
    const info = layer > 0 ? deadInfo(layer, i) : null;
    node.el.classList.toggle("dead", !!(info && info.dead));
    if (!info || !info.dead) return;
    const label = addText(svg, node.x + NET.layout.radius[layer] + 3, node.y, "dead", "start");
    setAttrs(label, { class: "dead-label", "data-layer": layer, "data-index": i, "dominant-baseline": "central" });
    node.el.setAttribute("aria-label", `${neuronName(layer, i)} (dead: ${info.why})`);
    if (!byWhy.has(info.why)) byWhy.set(info.why, {});
    (byWhy.get(info.why)[layer] ||= []).push(i);
  }));
  if (!NET.dead) return;
  const digits = `${NET.dead.digits.toLocaleString("en")} test digits`;
  const groups = [...byWhy].map(([why, layers]) => {
    const names = Object.entries(layers).map(([layer, ids]) =>
      `layer ${layer} neuron${ids.length > 1 ? "s" : ""} ${ids.join(", ")}`);
    const many = Object.values(layers).flat().length > 1;
    return `${names.join(" and ")}: ${many ? "in each, " : ""}${why}`;
  });
  $("network-dead").textContent = groups.length
    ? `Dead neurons (their output moves by less than ${NET.dead.still} over all ${digits}, so they tell the next ` +
      `layer nothing about the digit): ${groups.join("; ")}.`
    : `No dead neurons: every hidden neuron's output changes with the digit on the ${digits}.`;
}

// ---- colours -------------------------------------------------------------------------------

// The activation function of a layer (0 = the input pixels), by name, from /api/model.
export function layerActivation(layer) {
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

export function updateNetwork() {
  if (!NET.nodes.length) return;
  const r = state.result;
  const acts = r ? [r.input, ...r.activations] : null;
  const last = NET.nodes.length - 1;
  NET.nodes.forEach((nodes, layer) => {
    const [low, high] = activationRange(layerActivation(layer), acts ? acts[layer] : null);
    nodes.forEach((node, i) => {
      const a = acts ? acts[layer][i] : low;
      node.el.setAttribute("fill", activationColor((a - low) / (high - low)));
      if (layer === last) node.el.classList.toggle("answer", !!r && r.digit === i);
    });
  });
  document.querySelectorAll("#network text[data-digit]").forEach((t) => {
    t.classList.toggle("answer-label", !!r && Number(t.dataset.digit) === r.digit);
  });
  drawConnections();
}

// ---- connections ---------------------------------------------------------------------------

// The canvas under the picture, sized to it in device pixels, with viewBox units as its units.
function linesContext() {
  const canvas = $("network-lines");
  const svg = $("network");
  const dpr = window.devicePixelRatio || 1;
  const w = svg.clientWidth;
  const h = svg.clientHeight;
  if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
    canvas.width = Math.round(w * dpr);
    canvas.height = Math.round(h * dpr);
  }
  const ctx = canvas.getContext("2d");
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  // the labels at 13 px as shown, or more: in viewBox units, 13 divided by the scale it is drawn at
  svg.style.setProperty("--text", `${Math.max(13, 13 / (w / NET.layout.width || 1)).toFixed(1)}px`);
  const scale = (w / NET.layout.width) * dpr;
  ctx.setTransform(scale, 0, 0, scale, 0, 0);
  ctx.lineCap = "round";
  return ctx;
}

function line(ctx, from, to, weight, max, alpha) {
  const k = Math.abs(weight) / max;
  ctx.strokeStyle = weight > 0 ? POSITIVE : NEGATIVE;
  ctx.globalAlpha = alpha * (0.25 + 0.75 * k);
  ctx.lineWidth = 0.5 + 4 * k;
  ctx.beginPath();
  ctx.moveTo(from.x, from.y);
  ctx.lineTo(to.x, to.y);
  ctx.stroke();
}

// Without a selection: for each neuron, its few strongest influences on the digit drawn
// (|weight x source activation|). With one: those dimmed, and the selected neuron's incoming and
// outgoing connections drawn by weight (width by |w|, each side scaled to its own largest |w|).
export function drawConnections() {
  if (!NET.nodes.length || !$("network-lines")) return;
  const ctx = linesContext();
  const r = state.result;
  const model = state.model;
  if (!model) return;
  const sel = state.selected && NET.nodes[state.selected.layer] ? state.selected : null;
  if (r) drawInfluences(ctx, [r.input, ...r.activations], sel ? 0.18 : 1);
  if (!sel) return;
  const { layer, index } = sel;
  if (layer > 0) {
    const W = model.weights[layer - 1]; // (n_in, n_out)
    const incoming = W.map((row) => row[index]);
    const max = Math.max(1e-9, ...incoming.map(Math.abs));
    const threshold = layer === 1 ? 0.15 * max : 0; // the faintest pixel lines would only be a haze
    incoming.forEach((w, k) => {
      if (Math.abs(w) >= threshold && w !== 0) line(ctx, NET.nodes[layer - 1][k], NET.nodes[layer][index], w, max, 1);
    });
  }
  if (layer < NET.nodes.length - 1) {
    const outgoing = model.weights[layer][index]; // (n_out,)
    const max = Math.max(1e-9, ...outgoing.map(Math.abs));
    outgoing.forEach((w, j) => {
      if (w !== 0) line(ctx, NET.nodes[layer][index], NET.nodes[layer + 1][j], w, max, 1);
    });
  }
  ctx.globalAlpha = 1;
}

function drawInfluences(ctx, acts, alpha) {
  const perLayer = [0, 2, 3, 3]; // layer 1 gets only 2 pixel lines per neuron
  for (let layer = 1; layer < NET.nodes.length; layer++) {
    const W = state.model.weights[layer - 1]; // (n_in, n_out)
    const source = acts[layer - 1];
    const lines = [];
    NET.nodes[layer].forEach((node, j) => {
      const contributions = source.map((a, i) => ({ i, v: W[i][j] * a }));
      contributions.sort((p, q) => Math.abs(q.v) - Math.abs(p.v));
      for (const c of contributions.slice(0, perLayer[layer] || 3)) if (c.v !== 0) lines.push({ j, ...c });
    });
    const max = Math.max(1e-9, ...lines.map((l) => Math.abs(l.v)));
    for (const l of lines) line(ctx, NET.nodes[layer - 1][l.i], NET.nodes[layer][l.j], l.v, max, alpha);
  }
  ctx.globalAlpha = 1;
}

// Rebuild when the view crosses between the wide and the narrow layout; redraw the lines on any resize.
function watchNetworkSize() {
  NET.watching = true;
  const observer = new ResizeObserver(() => {
    if (chooseLayout() !== NET.layout) buildNetwork();
    else drawConnections();
  });
  observer.observe($("network").parentElement.parentElement);
}
