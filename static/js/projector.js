// The room's projector: current prompt, cards or results, timer and spotlight — for the back row.
// Cards are laid out to fit the screen: the text shrinks (never below the CSS minimum) and what
// still does not fit is shown page by page.
import { _ } from "./i18n.js";
import { connectLive, currentStep, h, setConnection, t, fill } from "./live.js";
import { spotlightBanner, stepNotices, timerBadge } from "./widgets.js";
import { activityFor, ACTIVITIES } from "./activities/index.js";

const $ = (id) => document.getElementById(id);
const PAGE_SECONDS = 12;
const SCALES = [1.6, 1.3, 1]; // × the minimum card text (--projector-min-text in app.css)
const live = connectLive({ activities: ACTIVITIES, onChange: render, onStatus: setConnection });
let pages = [];
let page = 0;

setInterval(() => {
  const state = live.state;
  if (state && state.session.status === "live") fill($("timer"), timerBadge(state, currentStep(state)) || "");
}, 1000);

// Slow paging through what does not fit; a clicker's keys (→, PageDown, Space) turn the page at once.
// Under prefers-reduced-motion nothing moves by itself: the pages turn only by key or clicker.
if (!window.matchMedia("(prefers-reduced-motion: reduce)").matches) setInterval(() => turn(+1), PAGE_SECONDS * 1000);
document.addEventListener("keydown", (e) => {
  if (/^(ArrowRight|PageDown| )$/.test(e.key)) { e.preventDefault(); turn(+1); }
  if (/^(ArrowLeft|PageUp)$/.test(e.key)) { e.preventDefault(); turn(-1); }
});

function turn(offset) {
  if (pages.length < 2) return;
  page = (page + offset + pages.length) % pages.length;
  showPage();
}

function overflows(board) {
  return board.scrollHeight > board.clientHeight + 1 || board.scrollWidth > board.clientWidth + 1;
}

function fitBoard() {
  // Largest text at which every card fits; if none does, pages at the smallest.
  const board = $("board");
  const cards = [...board.querySelectorAll("li.card, li.word")];
  pages = [];
  board.querySelectorAll("[hidden-by-page]").forEach((el) => el.removeAttribute("hidden-by-page"));
  for (const scale of SCALES) {
    board.style.setProperty("--fit", String(scale));
    if (!overflows(board)) break;
  }
  if (!overflows(board) || !cards.length) { pages = [cards]; page = 0; showPage(); return; }
  let rest = cards;
  while (rest.length) {
    cards.forEach((c) => c.toggleAttribute("hidden-by-page", !rest.includes(c)));
    const bottom = board.getBoundingClientRect().bottom;
    let fit = rest.filter((c) => c.getBoundingClientRect().bottom <= bottom + 1);
    if (!fit.length) fit = [rest[0]];
    pages.push(fit);
    rest = rest.filter((c) => !fit.includes(c));
  }
  page = Math.min(page, pages.length - 1);
  showPage();
}

function showPage() {
  const board = $("board");
  const shown = new Set(pages[page] || []);
  board.querySelectorAll("li.card, li.word").forEach((c) => c.toggleAttribute("hidden-by-page", !shown.has(c)));
  // A group with none of its cards on this page steps aside.
  board.querySelectorAll("section.column").forEach((s) => {
    const items = s.querySelectorAll("li.card, li.word");
    s.toggleAttribute("hidden-by-page", items.length > 0 && [...items].every((c) => !shown.has(c)));
  });
  board.dataset.pages = String(pages.length);
  board.dataset.page = String(page + 1);
  fill($("pager"), pages.length > 1
    ? h("p", { class: "pager" }, _("Seite {page} von {pages}", { page: page + 1, pages: pages.length })) : null);
}

function render(state) {
  if (!state) return;
  $("participants").textContent = state.participants;
  document.body.classList.toggle("waiting", state.session.status === "ready");
  if (state.session.status === "ready") {
    const units = state.session.units || [state.session.unit];
    const label = units.length > 1 ? _("Bausteine {units}", { units: units.join(" + ") })
      : _("Baustein {unit}: {value}", { unit: state.session.unit, value: t(state.session.template_title) });
    fill($("step"), h("p", { class: "eyebrow" }, label),
      h("h1", { text: state.session.title }), h("p", { class: "prompt" }, _("Scannen Sie den QR-Code oder geben Sie den Code ein.")));
    fill($("board"));
    fill($("pager"));
    return;
  }
  if (state.session.status === "ended") {
    fill($("step"), h("h1", {}, _("Vielen Dank!")), h("p", { class: "prompt" }, _("Die Sitzung ist beendet.")));
    fill($("board"));
    fill($("pager"));
    return;
  }
  const step = currentStep(state);
  fill($("step"), spotlightBanner(state),
    h("p", { class: "eyebrow" }, _("Schritt {value} von {steps}", { value: state.session.current_step + 1, steps: state.steps.length })),
    h("h1", { text: t(step.title) }), step.prompt ? h("p", { class: "prompt", text: t(step.prompt) }) : null,
    ...stepNotices(state, step));
  fill($("board"), activityFor(step).projector(state, step, { h, t, _, fill }));
  fitBoard();
}

window.addEventListener("resize", () => live.state && render(live.state));
