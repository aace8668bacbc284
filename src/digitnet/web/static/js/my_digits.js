// Your own handwriting: "It was: 0 ... 9" under the drawing keeps it (a button, or a key 0-9 on the canvas
// or the row); the My digits tab shows the kept ones with the network's answer on each, the report on them
// beside MNIST's, the preparation figure, and teaching the network the kept digits (/api/my-digits).

import { $, api, count, percent } from "./helpers.js";
import { state } from "./state.js";
import { SEND_SIZE, canvasInk } from "./drawing.js";
import { loadModel } from "./model.js";
import { requestPredict } from "./predict.js";

const MIN_FOR_FIGURE = 10;  // kept digits the figure shows instead of the bundled ones (viz/preparation.py MIN_KEPT)
const mine = { keeping: false, loaded: null, teaching: null, preparation: null };

// "a 7", "an 8": the digit with its article, as the sentences say it.
const aDigit = (d) => (d === 8 ? `an ${d}` : `a ${d}`);

export function setupMyDigits() {
  for (const button of $("keep").querySelectorAll("button[data-digit]")) {
    button.addEventListener("click", () => keepAs(Number(button.dataset.digit)));
  }
  // the keys 0-9 keep the drawing while the canvas or the row has the focus (other keys do what they did)
  const onKey = (e) => {
    if (!/^[0-9]$/.test(e.key) || e.ctrlKey || e.metaKey || e.altKey) return;
    e.preventDefault();
    keepAs(Number(e.key));
  };
  $("draw-canvas").addEventListener("keydown", onKey);
  $("keep").addEventListener("keydown", onKey);
  // drawing focuses the canvas (the pen's pointerdown prevents the browser's own focus), so a key follows
  $("draw-canvas").addEventListener("pointerdown", () => $("draw-canvas").focus({ preventScroll: true }));
  // the tab shows the collection as it is now, whenever it is opened
  new MutationObserver(() => { if (!$("panel-mine").hidden) refresh(); })
    .observe($("panel-mine"), { attributes: true, attributeFilter: ["hidden"] });
  $("mine-teach").addEventListener("click", teach);
  $("mine-prep-show").addEventListener("click", showPreparation);
  refresh();
  api("/api/train/status").then((s) => { if (s.running && s.settings && s.settings.teach) followTeaching(); })
    .catch(() => {});
}

function say(id, text, error = false) {
  $(id).textContent = text;
  $(id).classList.toggle("error", error);
}

async function keepAs(digit) {
  if (mine.keeping) return;
  if (!state.result) {
    say("keep-status", `Draw ${aDigit(digit)} first, then say which digit it was.`, true);
    return;
  }
  mine.keeping = true;
  try {
    const kept = await api("/api/my-digits", { body: { width: SEND_SIZE, height: SEND_SIZE, pixels: canvasInk(), digit } });
    const read = kept.answer === digit ? "the network reads it right" : `the network reads it as ${kept.answer}`;
    say("keep-status", `Kept as ${aDigit(digit)} (${read}). See it in the My digits tab.`);
    $("clear").click();  // the canvas clears for the next digit
    refresh();
  } catch (error) {
    say("keep-status", `Not kept: ${error.message}.`, true);
  } finally {
    mine.keeping = false;
  }
}

// The kept digits and the report, from the server; drawn into the tab.
export async function refresh() {
  try {
    const data = await api("/api/my-digits");
    mine.loaded = data;
    showGallery(data);
    showReport(data);
  } catch (error) {
    say("mine-status", `Could not read your digits: ${error.message}`, true);
  }
}

function showGallery(data) {
  $("mine-folder").textContent = `They are in ${data.folder}.`;
  const n = data.digits.length;
  const right = data.digits.filter((k) => k.answer === k.digit).length;
  say("mine-status", n ? `${count(n, "digit")} kept; the network reads ${right} of them right.`
    : "No digits kept yet: draw one on the Draw tab, then say which digit it was.");
  const gallery = $("mine-gallery");
  gallery.replaceChildren();
  for (let d = 0; d < 10; d++) {
    const kept = data.digits.filter((k) => k.digit === d);
    if (!kept.length) continue;
    const group = document.createElement("section");
    group.className = "mine-digit";
    group.dataset.digit = String(d);
    const heading = document.createElement("h3");
    const readRight = kept.filter((k) => k.answer === d).length;
    heading.textContent = `${d}: ${readRight} of ${kept.length} read right`;
    const list = document.createElement("ul");
    list.className = "mine-thumbs";
    list.setAttribute("aria-label", `Your ${d}s`);
    for (const k of kept) list.appendChild(thumbnail(k));
    group.append(heading, list);
    gallery.appendChild(group);
  }
}

function thumbnail(k) {
  const item = document.createElement("li");
  const right = k.answer === k.digit;
  item.className = `thumb ${k.answer === null ? "unreadable" : right ? "right" : "wrong"}`;
  item.dataset.name = k.name;
  const image = document.createElement("img");
  image.src = `/api/my-digits/${k.digit}/${encodeURIComponent(k.name)}`;
  image.width = 56;
  image.height = 56;
  const verdict = k.answer === null ? "it cannot be read" : right ? "read right" : `read as ${k.answer}: wrong`;
  image.alt = `Your ${k.digit}, ${verdict}`;
  const caption = document.createElement("span");
  caption.className = "thumb-answer";
  caption.setAttribute("aria-hidden", "true");
  caption.textContent = k.answer === null ? "unreadable" : `reads ${k.answer} ${right ? "✓" : "✗"}`;
  if (k.answer !== null && !k.sure) caption.title = "the network is not sure";
  const remove = document.createElement("button");
  remove.type = "button";
  remove.className = "thumb-delete";
  remove.textContent = "Delete";
  remove.setAttribute("aria-label", `Delete this ${k.digit} (${verdict})`);
  remove.addEventListener("click", () => removeKept(k, item));
  item.append(image, caption, remove);
  return item;
}

async function removeKept(k, item) {
  const next = item.nextElementSibling || item.previousElementSibling;
  const nextName = next ? next.dataset.name : null;
  try {
    await api(`/api/my-digits/${k.digit}/${encodeURIComponent(k.name)}`, { method: "DELETE" });
  } catch (error) {
    say("mine-status", `Not deleted: ${error.message}.`, true);
    return;
  }
  await refresh();
  say("mine-status", `Deleted ${aDigit(k.digit)}. ${$("mine-status").textContent}`);
  // the focus goes to the neighbour's Delete button (or the status), not to the top of the page
  const neighbour = nextName && $("mine-gallery").querySelector(`li[data-name="${nextName}"] .thumb-delete`);
  if (neighbour) neighbour.focus();
}

function cell(tag, text, className) {
  const element = document.createElement(tag);
  element.textContent = text;
  if (className) element.className = className;
  if (tag === "th") element.scope = "row";
  return element;
}

function showReport(data) {
  const { report, mnist } = data;
  $("mine-summary").textContent = report.n
    ? `The network reads ${report.confusion.reduce((sum, row, d) => sum + row[d], 0)} of your ${count(report.n, "digit")} ` +
      `right: ${percent(report.accuracy)}. On MNIST's ${mnist.n.toLocaleString("en")} test digits: ${percent(mnist.accuracy)}.`
    : `Keep some digits to see how well it reads them. On MNIST's ${mnist.n.toLocaleString("en")} test digits it reads ` +
      `${percent(mnist.accuracy)} right.`;
  const rows = $("mine-per-digit").tBodies[0];
  rows.replaceChildren();
  for (let d = 0; d < 10; d++) {
    const tr = document.createElement("tr");
    const kept = report.counts[d];
    tr.append(cell("th", String(d)), cell("td", kept ? `${report.confusion[d][d]} of ${kept}` : "none"),
      cell("td", percent(report.per_digit[d])), cell("td", percent(mnist.per_digit[d])));
    rows.appendChild(tr);
  }
  const head = $("mine-confusion").tHead;
  head.replaceChildren();
  const top = document.createElement("tr");
  const corner = cell("td", "read →\nwas ↓", "corner");
  top.appendChild(corner);
  for (let d = 0; d < 10; d++) {
    const th = cell("th", String(d));
    th.scope = "col";
    top.appendChild(th);
  }
  head.appendChild(top);
  const body = $("mine-confusion").tBodies[0];
  body.replaceChildren();
  report.confusion.forEach((row, d) => {
    const tr = document.createElement("tr");
    tr.appendChild(cell("th", String(d)));
    row.forEach((n, answer) => tr.appendChild(cell("td", String(n),
      n === 0 ? "zero" : answer === d ? "diagonal" : "mistaken")));
    body.appendChild(tr);
  });
}

// The preparation figure, drawn by the server (matplotlib) for the network and the digits as they are now.
async function showPreparation() {
  const button = $("mine-prep-show");
  button.disabled = true;
  say("mine-prep-status", "Drawing the figure… (a few seconds)");
  try {
    const response = await fetch("/api/my-digits/preparation.png");
    if (!response.ok) {
      let detail = `the server answered ${response.status}`;
      try { detail = (await response.json()).detail; } catch (_) { /* the status says it */ }
      throw new Error(detail);
    }
    const blob = await response.blob();
    if (mine.preparation) URL.revokeObjectURL(mine.preparation);
    mine.preparation = URL.createObjectURL(blob);
    const image = $("mine-preparation");
    image.src = mine.preparation;
    image.alt = "The preparation one step at a time: for each step, a bar of the share of the digits the network " +
      "reads right, beside its accuracy on MNIST's test digits, and the same few digits as the network sees them.";
    image.hidden = false;
    $("mine-prep-full").href = mine.preparation;
    $("mine-prep-full").hidden = false;
    const kept = mine.loaded ? mine.loaded.digits.length : 0;
    say("mine-prep-status", kept >= MIN_FOR_FIGURE ? `The figure shows your ${kept} kept digits.`
      : `Until you keep ${MIN_FOR_FIGURE} digits (you have ${kept}), the figure shows the drawn digits bundled with digitnet.`);
    button.textContent = "Draw it again";
  } catch (error) {
    say("mine-prep-status", `No figure: ${error.message}.`, true);
  } finally {
    button.disabled = false;
  }
}

// Teaching: a training of the page's network with the kept digits mixed in, followed to its end; the done
// event carries MNIST test and held-out-own accuracies before and after.
async function teach() {
  const button = $("mine-teach");
  button.disabled = true;
  try {
    const started = await api("/api/my-digits/teach", { body: {} });
    say("mine-teach-status", `Teaching: ${started.taught} of your digits mixed into the training, ` +
      `${started.held_out} held out to measure it… (loading data may take a few seconds)`);
  } catch (error) {
    say("mine-teach-status", `Not started: ${error.message}.`, true);
    button.disabled = false;
    return;
  }
  followTeaching();
}

function followTeaching() {
  $("mine-teach").disabled = true;
  if (mine.teaching) mine.teaching.close();
  const source = new EventSource("/api/train/events");
  mine.teaching = source;
  source.addEventListener("epoch", (e) => {
    const d = JSON.parse(e.data);
    if (d.epoch > 0) {
      say("mine-teach-status", `Teaching: epoch ${d.epoch} of ${d.epochs}, ${percent(d.test_accuracy)} of MNIST's test digits right.`);
    }
  });
  source.addEventListener("done", async (e) => {
    source.close();
    mine.teaching = null;
    $("mine-teach").disabled = false;
    const d = JSON.parse(e.data);
    if (!d.teach) {
      say("mine-teach-status", d.error ? `Teaching failed: ${d.error.replace(/^training failed: /, "")}.` : "No teaching ran.", !!d.error);
      return;
    }
    showTaught(d);
    await loadModel();
    requestPredict();
    refresh();
  });
  source.onerror = () => {
    if (source.readyState === EventSource.CLOSED) {
      say("mine-teach-status", "Lost the connection to the teaching.", true);
      $("mine-teach").disabled = false;
    }
  };
}

function showTaught(d) {
  const t = d.teach;
  $("mine-teach-mnist-before").textContent = percent(t.mnist_before);
  $("mine-teach-mnist-after").textContent = percent(t.mnist_after);
  $("mine-teach-own-before").textContent = percent(t.own_before);
  $("mine-teach-own-after").textContent = percent(t.own_after);
  $("mine-teach-own-label").textContent = `your ${t.held_out} held-out digits`;
  $("mine-teach-result").hidden = false;
  const mnistMove = points(t.mnist_after - t.mnist_before);
  const ownMove = points(t.own_after - t.own_before);
  const used = d.epochs > 0 ? "The Draw tab now uses the taught network." : "The Draw tab keeps the network it had.";
  say("mine-teach-status", `Taught: your held-out digits ${ownMove}, MNIST's test digits ${mnistMove}. ${used}`);
}

// A change of accuracy in words: "up 12.5 points", "down 0.3 points", "unchanged".
function points(change) {
  const p = Math.round(1000 * change) / 10;
  if (p === 0) return "unchanged";
  return `${p > 0 ? "up" : "down"} ${Math.abs(p).toFixed(1)} points`;
}
