// The number boxes of the Train and Gradient descent tabs: reading one, and the note under it.

import { $ } from "./helpers.js";

// The number in box `id`, as {value}; {value: undefined} for an empty box whose label says empty is
// fine (data-optional); otherwise {problem}, also shown under the box, and the box is marked invalid.
export function readNumber(id, whole) {
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

export function showProblem(input, problem) {
  const note = $(`${input.id}-error`);
  note.textContent = problem || "";
  note.hidden = !problem;
  if (problem) input.setAttribute("aria-invalid", "true");
  else input.removeAttribute("aria-invalid");
}
