// Drawing backprop.js's numbers: signed bars and images in the lesson's sign colours (viz/style.py),
// blue #2166ac for positive and red #b2182b for negative, each with its number on it.

const BLUE = [33, 102, 172];
const RED = [178, 24, 43];

// A number short enough for a bar: 3 significant digits, in e-notation when tiny or huge.
export function short(v) {
  if (v === 0) return "0";
  const size = Math.abs(v);
  return size < 1e-3 || size >= 1e4 ? v.toExponential(2) : v.toPrecision(3);
}

// A bar from the middle of its track, right (blue) for a positive value, left (red) for a negative one,
// half the track long at |value| = scale; its number sits in the other half, by the middle line.
export function divergingBar(value, scale, label) {
  const half = 50 * Math.min(1, Math.abs(value) / scale);
  const positive = value >= 0;
  return `<span class="bp-track" role="img" aria-label="${label} ${short(value)}">`
    + `<span class="bp-bar ${positive ? "pos" : "neg"}" data-value="${value}" `
    + `style="${positive ? "left" : "right"}:50%;width:${half.toFixed(2)}%"></span>`
    + `<span class="bp-value" style="${positive ? "right" : "left"}:50%">${short(value)}</span></span>`;
}

// A bar from the left for a value from 0 to 1 (an output), with its number inside it or just past it.
export function plainBar(value, kind) {
  const width = 100 * Math.max(0, Math.min(1, value));
  const inside = width > 50;
  return `<span class="bp-track plain ${kind}" role="img" aria-label="${kind}: ${value.toFixed(3)}">`
    + `<span class="bp-bar" data-value="${value}" style="left:0;width:${width.toFixed(2)}%"></span>`
    + `<span class="bp-value${inside ? " inside" : ""}" style="${inside ? `right:${(100 - width).toFixed(1)}%`
      : `left:${width.toFixed(1)}%`}">${value.toFixed(3)}</span></span>`;
}

// Fill `box` with one row per item: `cells[i]` is that row's list of HTML cells, `className(i)` its class.
export function fill(box, cells, className) {
  box.innerHTML = cells.map((row, i) => `<div class="${className(i)}">${row.join("")}</div>`).join("");
}

// Paint `values` (28x28, row-major) on `canvas`: blue positive, red negative, white at 0, full at ±scale.
export function paintSigned(canvas, values, scale) {
  const ctx = canvas.getContext("2d");
  const image = ctx.createImageData(canvas.width, canvas.height);
  values.forEach((v, i) => {
    const k = Math.min(1, Math.abs(v) / scale);
    const [r, g, b] = (v >= 0 ? BLUE : RED).map((c) => Math.round(255 + (c - 255) * k));
    image.data.set([r, g, b, 255], i * 4);
  });
  ctx.putImageData(image, 0, 0);
}
