// The facilitator's console: agenda with planned and actual time, step controls, live board,
// moderation, clustering, and capture into the measure record.
import { _, errorText } from "./i18n.js";
import { announce, connectLive, currentStep, formatSeconds, h, setConnection, t, fill } from "./live.js";
import { capturedFields, spotlightBanner, timerBadge, timerSpeaker } from "./widgets.js";
import { activityFor, ACTIVITIES } from "./activities/index.js";
import { initCapture } from "./capture.js";
import { clearFields, redrawKeepingInput } from "./dom.js";
import { variantList } from "./activities/card_merge.js";

const fields = JSON.parse(document.getElementById("record-fields").textContent);
const $ = (id) => document.getElementById(id);
// What this viewer's role may do (the page leaves out the controls of the others; the server
// refuses their ops anyway): run the session, or write notes and action items.
const may = { run: $("app").dataset.mayRun === "true", notes: $("app").dataset.mayNotes === "true" };
const on = (id, event, handler) => { const node = $(id); if (node) node.addEventListener(event, handler); };
const selected = new Set();
const speakTimer = timerSpeaker($("timer-live"));
const STATUS = { ready: _("bereit – noch nicht gestartet"), live: _("läuft"), ended: _("beendet") };
const REVEALABLE = (step) => !!(step.silent || (activityFor(step).revealable && activityFor(step).revealable(step)));

const live = connectLive({ activities: ACTIVITIES, onChange: render, onStatus: setConnection, onRejected: (_op, e) => showError(errorText(e)) });
setInterval(() => live.state && renderTimer(live.state), 1000);

function showError(message) {
  $("op-error").textContent = message;
  $("op-error").hidden = false;
}

async function send(type, payload = {}) {
  $("op-error").hidden = true;
  const ack = await live.send(type, payload);
  if (!ack.ok) showError(errorText(ack.error));
  return ack;
}

const step = () => currentStep(live.state);
function goto(offset) {
  const target = live.state.steps[live.state.session.current_step + offset];
  if (target) send("step.goto", { step_key: target.key });
}

on("prev", "click", () => goto(-1));
on("next", "click", () => goto(+1));
on("start", "click", () => send("session.start"));
on("end", "click", () => {
  if (confirm(_("Sitzung beenden? Danach kann niemand mehr beitreten oder Beiträge schreiben."))) send("session.end");
});
on("timer-start", "click", () => send("timer.start", { step_key: step().key }));
on("timer-pause", "click", () => send("timer.pause", { step_key: step().key }));
on("timer-plus", "click", () => send("timer.add", { step_key: step().key, seconds: 60 }));
on("timer-minus", "click", () => send("timer.add", { step_key: step().key, seconds: -60 }));
on("lock", "click", () => {
  const locked = !!(live.state.runtime[step().key] || {}).locked;
  send("step.lock", { step_key: step().key, locked: !locked });
});
on("reveal", "click", () => send("step.reveal", { step_key: step().key }));
on("spotlight-clear", "click", () => send("spotlight.set", {}));
on("card-form", "submit", async (event) => {
  event.preventDefault();
  const text = $("card-text").value.trim();
  if (!text) return;
  const type = consoleAdds(step());
  const payload = type === "card.add" ? { step_key: step().key, column_key: $("card-column").value, text } : { text };
  const ack = await send(type, payload);
  if (ack.ok) $("card-text").value = "";
});

const renderCapture = may.run ? initCapture({
  send, showError, clearError: () => { $("op-error").hidden = true; }, currentStep: () => step(), fields, selected,
  sessionId: $("app").dataset.sessionId, afterCapture: () => render(live.state),
}) : () => {};

const cardButtons = (card) => !may.run ? null : h("span", { class: "card-tools" },
  h("button", { type: "button", class: "link", onclick: () => send("spotlight.set", { card_id: card.id }) }, _("Fokus")),
  h("button", { type: "button", class: "link", onclick: () => send("card.hide", { card_id: card.id, hidden: card.status !== "hidden" }) },
    card.status === "hidden" ? _("Wieder zeigen") : _("Ausblenden")));

function cardItem(card, votes) {
  const box = !may.run ? null : h("input", { type: "checkbox", "aria-label": _("Beitrag auswählen: {text}", { text: card.text }), checked: selected.has(card.id),
    onchange: (e) => (e.target.checked ? selected.add(card.id) : selected.delete(card.id)) });
  return h("li", { class: `card${card.status === "hidden" ? " hidden-card" : ""}`, "data-card-id": card.id, draggable: "true",
    ondragstart: (e) => e.dataTransfer.setData("text/plain", String(card.id)) },
  box ? h("label", { class: "card-select" }, box, h("span", { class: "card-text", text: card.text }))
    : h("p", { class: "card-text", text: card.text }),
  card.author ? h("p", { class: "card-author", text: card.author }) : null,
  card.status === "hidden" ? h("p", { class: "card-author" }, _("ausgeblendet – für alle anderen unsichtbar")) : null,
  votes !== undefined ? h("p", { class: "card-votes" }, votes) : null,
  variantList(card, send),
  cardButtons(card));
}

function agendaTimes(state, s) {
  // Planned minutes from the template; actual time from the server's record of the step.
  const runtime = state.runtime[s.key] || {};
  let seconds = runtime.seconds || 0;
  if (runtime.entered_at) seconds += (Date.now() + (state.clockOffset || 0) - Date.parse(runtime.entered_at)) / 1000;
  const planned = s.timebox_minutes ? _("plan {minutes} min", { minutes: s.timebox_minutes }) : "";
  return ` ${planned}${seconds ? ` · ${_("ist {time}", { time: formatSeconds(seconds) })}` : ""}`;
}

function renderAgenda(state) {
  fill($("agenda"), ...state.steps.map((s, i) => h("li",
    { class: i === state.session.current_step ? "current" : "", "aria-current": i === state.session.current_step ? "step" : false },
    may.run ? h("button", { type: "button", class: "link", disabled: state.session.status !== "live",
      onclick: () => send("step.goto", { step_key: s.key }) }, t(s.title)) : h("span", { class: "agenda-title", text: t(s.title) }),
    h("span", { class: "meta agenda-time" }, agendaTimes(state, s)))));
}

let agendaShown = null;

function keepCurrentInView(state) {
  // The agenda scrolls in its own region: after a step change the current step is brought into
  // it (not with scrollIntoView, which would scroll the page too where it is one long column).
  const list = $("agenda");
  if (agendaShown === state.session.current_step || list.scrollHeight <= list.clientHeight) return;
  agendaShown = state.session.current_step;
  const item = list.querySelector("li.current");
  if (!item) return;
  const top = item.offsetTop - list.offsetTop;
  if (top < list.scrollTop || top + item.offsetHeight > list.scrollTop + list.clientHeight) {
    list.scrollTop = Math.max(0, top - list.clientHeight / 3);
  }
}

function tickAgenda(state) {
  // Only the numbers change each second; the buttons stay put (focus, clicks).
  $("agenda").querySelectorAll(".agenda-time").forEach((span, i) => {
    span.textContent = agendaTimes(state, state.steps[i]);
  });
}

function renderTimer(state) {
  if (state.session.status !== "live") { fill($("timer-display"), ); return; }
  const s = currentStep(state);
  speakTimer(state, s);
  const timer = (state.runtime[s.key] || {}).timer;
  const badge = timerBadge(state, s);
  fill($("timer-display"), badge || h("p", { class: "meta" }, _("Kein Timer (geplant {value} min)", { value: s.timebox_minutes || "–" })));
  $("timer-display").classList.toggle("no-timer", !badge);
  tickAgenda(state);
  if (!may.run) return;
  $("timer-start").textContent = timer && !timer.running_since ? _("Fortsetzen") : _("Timer starten");
  $("timer-pause").disabled = !(timer && timer.running_since);
  $("timer-plus").disabled = $("timer-minus").disabled = !timer;
}

// What the activity modules get from this page (see activities/index.js).
const ui = { h, t, _, fill, announce, send, cardItem, clearFields, selected, may, redraw: () => render(live.state) };

function consoleAdds(s) {
  const activity = activityFor(s);
  return activity.consoleAdds ? activity.consoleAdds(s, live.state.runtime[s.key] || {}) : null;
}

function renderQueue(state, s) {
  if (!$("queue")) return;
  const pending = state.cards.filter((c) => c.step_key === s.key && c.status === "pending");
  $("queue").hidden = !s.moderated;
  fill($("queue-list"), ...pending.map((card) => h("li", { class: "card pending", "data-card-id": card.id },
    h("p", { class: "card-text", text: card.text }),
    h("div", { class: "card-actions" },
      h("button", { type: "button", class: "primary", onclick: () => send("card.approve", { card_id: card.id }) }, _("Freigeben")),
      h("button", { type: "button", onclick: () => send("card.hide", { card_id: card.id, hidden: true }) }, _("Ablehnen"))))));
  if (!pending.length) fill($("queue-list"), h("li", { class: "empty" }, _("Keine Beiträge in der Warteschlange.")));
}


// A step that works on an earlier silent step's cards (clustering, voting) shows nothing to the
// room until those are revealed: say so where the facilitator looks, with the button to do it.
function hiddenSourceNotice(state, s) {
  const source = s.source && state.steps.find((x) => x.key === s.source);
  if (!source || !source.silent || (state.runtime[source.key] || {}).revealed) return null;
  return h("p", { class: "notice", id: "source-hidden" },
    _("Die Beiträge aus „{title}“ sind noch verdeckt: Leinwand und Handys zeigen sie erst nach dem Aufdecken.", { title: t(source.title) }),
    " ", h("button", { type: "button", onclick: () => send("step.reveal", { step_key: source.key }) }, _("Jetzt aufdecken")));
}

function render(state) {
  if (!state) return;
  const s = currentStep(state);
  const runtime = state.runtime[s.key] || {};
  $("participants").textContent = state.participants;
  $("status").textContent = STATUS[state.session.status];
  const live_ = state.session.status === "live";
  if (may.run) {
    $("start").hidden = state.session.status !== "ready";
    $("end").hidden = state.session.status === "ended";
    $("prev").hidden = $("next").hidden = state.session.status === "ready";
    $("prev").disabled = !live_ || state.session.current_step === 0;
    $("next").disabled = !live_ || state.session.current_step === state.steps.length - 1;
    document.querySelector(".step-controls").hidden = !live_;
    $("lock").textContent = runtime.locked ? _("Eingabe freigeben") : _("Eingabe sperren");
    $("lock").setAttribute("aria-pressed", runtime.locked ? "true" : "false");
    $("reveal").hidden = !REVEALABLE(s) || !!runtime.revealed;
    $("spotlight-clear").hidden = !state.spotlight;
  }
  renderAgenda(state);
  keepCurrentInView(state);
  renderTimer(state);
  fill($("step"), spotlightBanner(state), runtime.locked ? h("p", { class: "notice" }, _("Eingabe ist gesperrt.")) : null,
    hiddenSourceNotice(state, s));
  renderCardForm(state, s, live_);
  renderQueue(state, s);
  redrawKeepingInput($("board"), activityFor(s).console(state, s, ui));
  renderNow(state);
  renderPeople(state);
  renderNotes(state, s);
  renderCapture(s, state);
  renderCaptured(state);
}

function renderCardForm(state, s, live_) {
  const form = $("card-form");
  if (!form) return;
  const adds = consoleAdds(s);
  // a minute-taker writes contributions (notes ops), not the options of a consent
  form.hidden = !adds || !live_ || (adds !== "card.add" && !may.run);
  $("card-text").placeholder = adds === "consent.option_add" ? _("Weitere Option") : _("Beitrag der Moderation (z. B. vom Papier)");
  if (s.columns) {
    const current = $("card-column").value;
    fill($("card-column"), ...s.columns.map((c) => h("option", { value: c.key }, t(c.title))));
    if (s.columns.some((c) => c.key === current)) $("card-column").value = current;
  }
  $("card-column").hidden = !s.columns || s.columns.length < 2;
}

function renderCaptured(state) {
  const label = (key) => (fields.find((f) => f.key === key) || { label: key }).label;
  const captured = capturedFields(state);
  fill($("captured"), h("h2", {}, _("Im Steckbrief aus dieser Sitzung")),
    captured.length ? h("dl", {}, captured.flatMap((c) => [h("dt", {}, label(c.field_key)),
      h("dd", {}, h("ul", {}, c.lines.map((l) => h("li", { text: l }))))])) : h("p", { class: "empty" }, _("noch nichts übernommen")));
}

function stepSummary(s, titleTag = "p") {
  // One line on a step: its title, what kind it is, its planned minutes.
  return h("div", { class: "step-summary" },
    h(titleTag, { class: "step-summary-title", text: t(s.title) }),
    h("p", { class: "meta" }, [activityFor(s).label ? activityFor(s).label(ui) : s.type,
      s.timebox_minutes ? _("{minutes} min geplant", { minutes: s.timebox_minutes }) : null].filter(Boolean).join(" · ")),
    s.prompt ? h("p", { class: "meta step-summary-prompt", text: t(s.prompt) }) : null);
}

let nowShown = null;

function renderNow(state) {
  // What is now and what comes next, for a facilitator who has one second to look. #now is a live
  // region: redrawn only when the step changes, or a screen reader would repeat it on every card.
  const index = state.session.current_step;
  const next = state.steps[index + 1];
  const shown = JSON.stringify([index, state.steps.length, state.steps[index], next || null]);
  if (shown === nowShown) return;
  nowShown = shown;
  // The current step's title and prompt are shown here only (they once stood twice, here and above the board).
  fill($("now"), h("p", { class: "eyebrow" }, _("Jetzt · Schritt {value} von {steps}", { value: index + 1, steps: state.steps.length })),
    stepSummary(state.steps[index], "h2"));
  // The cockpit shows the prompt above the board instead (the control column has no room for
  // it); the CSS shows one of the two, never both.
  const prompt = state.steps[index].prompt;
  fill($("stage-prompt"), prompt ? t(prompt) : "");
  $("stage-prompt").hidden = !prompt;
  fill($("next-preview"), h("h2", { class: "eyebrow" }, _("Als Nächstes")),
    next ? stepSummary(next) : h("p", { class: "meta" }, _("Das ist der letzte Schritt.")));
}

function renderPeople(state) {
  const people = state.people || { named: [], anonymous: 0 };
  fill($("people-list"),
    ...people.named.map((name) => h("li", { text: name })),
    people.anonymous ? h("li", { class: "meta" }, people.anonymous === 1 ? _("1 Person ohne Namen")
      : _("{count} Personen ohne Namen", { count: people.anonymous })) : null,
    !people.named.length && !people.anonymous ? h("li", { class: "meta" }, _("Noch niemand beigetreten.")) : null);
}

// Private notes per step: prefilled from the unit's guide, saved a moment after typing stops.
let notesStepKey = null;
let notesTimer = null;
const notesEl = $("step-notes");

function guideText(state, s) {
  if ((state.unguided || []).includes(s.key)) return ""; // a break: nothing to prefill
  // A step appended from another unit has that unit's guide (a combined agenda).
  const unit = (state.step_units || {})[s.key];
  const guide = unit && state.guides ? state.guides[unit] : state.guide;
  return guide ? t(guide) : "";
}

function renderNotes(state, s) {
  // The guide link follows the step: a step appended from unit 2 links unit 2's guide.
  const link = $("guide-link");
  const unit = (state.step_units || {})[s.key] || state.session.unit;
  if (link && unit) link.hash = `baustein-${unit}`;
  if (notesStepKey === s.key && document.activeElement === notesEl) return; // never under the cursor
  const saved = (state.notes || {})[s.key];
  if (notesStepKey !== s.key || notesEl.value !== (saved ?? guideText(state, s))) {
    notesEl.value = saved ?? guideText(state, s);
    const suggested = saved === undefined && notesEl.value !== "";
    $("notes-status").textContent = suggested ? _("Vorschlag aus dem Leitfaden des Bausteins") : "";
  }
  notesStepKey = s.key;
}

async function saveNotes() {
  clearTimeout(notesTimer);
  notesTimer = null;
  if (!notesStepKey) return;
  const ack = await send("step.note", { step_key: notesStepKey, text: notesEl.value });
  if (ack.ok) $("notes-status").textContent = _("gespeichert");
}
if (may.run) notesEl.addEventListener("input", () => {
  $("notes-status").textContent = _("wird gespeichert …");
  clearTimeout(notesTimer);
  notesTimer = setTimeout(saveNotes, 800);
});
notesEl.addEventListener("blur", () => { if (notesTimer) saveNotes(); });

// Keyboard shortcuts (listed on the page): never while typing in a field, never with Ctrl/Alt/Meta.
const click = (id) => { const node = $(id); if (node && !node.hidden && !node.disabled) node.click(); };
const focusRegion = (id) => { const node = $(id); if (node) node.focus(); };
const SHORTCUTS = {
  n: () => click("next"),
  b: () => click("prev"),
  t: () => click($("timer-pause") && !$("timer-pause").disabled ? "timer-pause" : "timer-start"),
  "+": () => click("timer-plus"),
  "-": () => click("timer-minus"),
  l: () => click("lock"),
  r: () => click("reveal"),
  c: () => { if ($("capture") && !$("capture").hidden) click("capture-top"); },
  a: () => focusRegion("agenda"),
  k: () => focusRegion("stage"),
};
// Escape closes the capture's preview, also from inside it (its buttons have the focus then).
document.addEventListener("keydown", (e) => {
  if (e.key === "Escape" && $("capture-preview") && !$("capture-preview").hidden) {
    e.preventDefault();
    click("capture-cancel");
    if ($("capture-top")) $("capture-top").focus();
  }
});
// WCAG 2.1.4: single keys can be switched off (a speech-input user's words would trigger them);
// the choice stays with this browser.
const shortcutsSwitch = $("shortcuts-on");
if (shortcutsSwitch) {
  shortcutsSwitch.checked = localStorage.getItem("workshop.shortcuts") !== "off";
  shortcutsSwitch.addEventListener("change", () => localStorage.setItem("workshop.shortcuts", shortcutsSwitch.checked ? "on" : "off"));
  document.addEventListener("keydown", (e) => {
    if (!shortcutsSwitch.checked) return;
    const target = e.target;
    const typing = target.closest && target.closest("input, textarea, select, [contenteditable]");
    if (typing || e.ctrlKey || e.altKey || e.metaKey || !live.state || live.state.session.status !== "live") return;
    const key = e.key === "−" ? "-" : e.key.toLowerCase();
    const action = SHORTCUTS[key];
    if (action) { e.preventDefault(); action(); }
  });
}
