// The room's projector: current prompt, cards or results, timer and spotlight — for the back row.
// Cards are laid out to fit the screen: the text shrinks (never below the CSS minimum) and what
// still does not fit is shown page by page.
import { _ } from "./i18n.js";
import { connectLive, currentStep, h, setConnection, t, fill } from "./live.js";
import { spotlightBanner, stepNotices, timerBadge } from "./widgets.js";
import { activityFor, ACTIVITIES } from "./activities/index.js";
import { hyphenate } from "./hyphenate.js";

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

function balanceClusters(board) {
  // As many rows as needed, the clusters shared out evenly over them (6 clusters: 3 + 3, not 5 + 1).
  const grid = board.querySelector(".cluster-groups");
  if (!grid) return;
  const count = grid.querySelectorAll(":scope > section.cluster").length;
  const tile = parseFloat(getComputedStyle(grid).fontSize) * 11; // a tile's least width: 11em
  const fit = Math.max(1, Math.floor((grid.clientWidth + 8) / (tile + 8)));
  const columns = Math.max(1, Math.ceil(count / Math.ceil(count / fit)));
  grid.style.gridTemplateColumns = `repeat(${columns}, minmax(0, 1fr))`;
}

function fitBoard() {
  // Largest text at which every card fits; if none does, pages at the smallest.
  const board = $("board");
  balanceClusters(board);
  const cards = [...board.querySelectorAll("li.card, li.word")];
  pages = [];
  board.querySelectorAll("[hidden-by-page]").forEach((el) => el.removeAttribute("hidden-by-page"));
  for (const scale of SCALES) {
    board.style.setProperty("--fit", String(scale));
    if (!overflows(board)) break;
  }
  if (!overflows(board) || !cards.length) { pages = [cards]; page = 0; showPage(); return; }
  const groups = [...board.querySelectorAll(".cluster-groups > section.cluster")];
  if (groups.length) pages = clusterPages(board, groups);
  else {
    let rest = cards;
    while (rest.length) {
      cards.forEach((c) => c.toggleAttribute("hidden-by-page", !rest.includes(c)));
      const bottom = board.getBoundingClientRect().bottom;
      let fit = rest.filter((c) => c.getBoundingClientRect().bottom <= bottom + 1);
      if (!fit.length) fit = [rest[0]];
      pages.push(fit);
      rest = rest.filter((c) => !fit.includes(c));
    }
  }
  page = Math.min(page, pages.length - 1);
  showPage();
}

// The whole board of clusters (issue 30): every cluster stays on screen with its title and count;
// a page shows the next cards of each of them, as many as fit — not one cluster per page. Filled
// round by round: each cluster that still has cards gets its next one while the board holds it.
function clusterPages(board, groups) {
  const members = groups.map((g) => [...g.querySelectorAll("li.card")]);
  const all = members.flat();
  const offsets = members.map(() => 0);
  const result = [];
  const show = (shown) => all.forEach((c) => c.toggleAttribute("hidden-by-page", !shown.has(c)));
  while (offsets.some((o, i) => o < members[i].length)) {
    const shown = new Set();
    const open = members.map((m, i) => offsets[i] < m.length);
    let added = true;
    while (added) {
      added = false;
      members.forEach((m, i) => {
        if (!open[i] || offsets[i] >= m.length) return;
        const card = m[offsets[i]];
        shown.add(card);
        show(shown);
        if (overflows(board) && shown.size > 1) { shown.delete(card); open[i] = false; return; }
        offsets[i] += 1;
        added = true;
      });
    }
    show(shown);
    result.push([...shown]);
  }
  return result;
}

function showPage() {
  const board = $("board");
  const shown = new Set(pages[page] || []);
  board.querySelectorAll("li.card, li.word").forEach((c) => c.toggleAttribute("hidden-by-page", !shown.has(c)));
  // A group with none of its cards on this page steps aside — but not a cluster of the whole board.
  board.querySelectorAll("section.column:not(.cluster-groups > section)").forEach((s) => {
    const items = s.querySelectorAll("li.card, li.word");
    s.toggleAttribute("hidden-by-page", items.length > 0 && [...items].every((c) => !shown.has(c)));
  });
  board.dataset.pages = String(pages.length);
  board.dataset.page = String(page + 1);
  fill($("pager"), pages.length > 1
    ? h("p", { class: "pager" }, _("Seite {page} von {pages}", { page: page + 1, pages: pages.length })) : null);
}

// The text shown in the page's language, or German where a format has no English (its lang says
// which, for hyphenation and screen readers alike).
function langOf(localized) {
  const lang = document.documentElement.lang || "de";
  return localized && typeof localized === "object" && !localized[lang] ? "de" : lang;
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
    h("h1", { text: t(step.title), lang: langOf(step.title) }),
    step.prompt ? h("p", { class: "prompt", text: t(step.prompt), lang: langOf(step.prompt) }) : null,
    ...stepNotices(state, step));
  fill($("board"), activityFor(step).projector(state, step, { h, t, _, fill, redraw: () => render(live.state) }));
  hyphenate($("step"), $("board"));
  fitBoard();
}

window.addEventListener("resize", () => live.state && render(live.state));
// The board's room changes without a new event too (the timer appears, the spotlight, a long
// prompt wraps): fit again, or the last row would be cut off.
let boardHeight = 0;
new ResizeObserver(() => {
  const height = $("board").clientHeight;
  if (Math.abs(height - boardHeight) < 2) return;
  boardHeight = height;
  if (live.state && live.state.session.status === "live") fitBoard();
}).observe($("board"));
