// The MNIST picker: a real test digit (by its number, by digit, or the next misread one) dropped on
// the drawing canvas, where it is predicted like a drawing. A form: usable with the keyboard alone.

import { $, api } from "./helpers.js";
import { putDigit } from "./drawing.js";

const picked = { index: -1 };  // the last test digit shown: "next" starts after it

export function setupPicker(requestPredict) {
  $("clear").addEventListener("click", () => { $("pick-status").textContent = ""; });
  const show = async (query) => {
    $("pick-status").textContent = "Fetching…";
    try {
      const digit = await api(`/api/digit?${query}`);
      picked.index = digit.index;
      $("pick-index").value = String(digit.index);
      putDigit(digit.pixels);
      requestPredict({ now: true });
      const misread = digit.misread === undefined ? ""
        : ` The network misreads ${digit.misread.toLocaleString("en")} of the 10,000 test digits.`;
      const right = digit.reads === digit.label ? "right" : "wrong";
      $("pick-status").textContent = `On the canvas: MNIST test digit ${digit.index}, labelled ${digit.label}. ` +
        `The network reads the original 28x28 as ${digit.reads} (${right}); the answer shown is for the canvas, ` +
        `prepared again like a drawing.${misread}`;
    } catch (error) {
      $("pick-status").textContent = `Could not fetch a test digit: ${error.message}`;
    }
  };
  $("digit-picker").addEventListener("submit", (e) => {
    e.preventDefault();
    const how = e.submitter ? e.submitter.value : "index";
    if (how === "label") show(`label=${$("pick-label").value}&after=${picked.index}`);
    else if (how === "misread") show(`misread=true&after=${picked.index}`);
    else show(`index=${Number($("pick-index").value) || 0}`);
  });
}
