// The network picture: the input pixels, the neurons coloured by activation, the strongest connections.

import { SVG_NS, $, activationColor } from "./helpers.js";
import { state } from "./state.js";

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

export function neuronName(layer, i) {
  return layer === 3 ? `output neuron for digit ${i}` : `layer ${layer} neuron ${i}`;
}

export function buildNetwork() {
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
