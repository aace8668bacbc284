// The page's tabs, by click and by keyboard: every button with role="tab" (id "tab-NAME", showing the
// section "panel-NAME"), in the order of the page, so a new tab needs only its button and its section.

import { $ } from "./helpers.js";

const TABS = [...document.querySelectorAll('[role="tab"]')].map((tab) => tab.id.slice("tab-".length));

export function setupTabs() {
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
