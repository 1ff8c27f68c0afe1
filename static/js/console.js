// The facilitator's console: agenda, step controls, live cards, capture into the record.
import { cardsOf, connectLive, currentStep, h, rankByVotes, setConnection, t, totalsOf } from "./live.js";

const fields = JSON.parse(document.getElementById("record-fields").textContent);
const $ = (id) => document.getElementById(id);
const selected = new Set();
const STATUS = { ready: "bereit – noch nicht gestartet", live: "läuft", ended: "beendet" };

const live = connectLive({ onChange: render, onStatus: setConnection, onRejected: (_op, e) => showError(e.message) });

function showError(message) {
  $("op-error").textContent = message;
  $("op-error").hidden = false;
}

async function send(type, payload) {
  $("op-error").hidden = true;
  const ack = await live.send(type, payload);
  if (!ack.ok) showError(ack.error.message);
  return ack;
}

function goto(offset) {
  const state = live.state;
  const target = state.steps[state.session.current_step + offset];
  if (target) send("step.goto", { step_key: target.key });
}

$("prev").addEventListener("click", () => goto(-1));
$("next").addEventListener("click", () => goto(+1));
$("start").addEventListener("click", () => send("session.start", {}));
$("end").addEventListener("click", () => {
  if (confirm("Sitzung beenden? Danach kann niemand mehr beitreten oder Karten schreiben.")) send("session.end", {});
});
$("card-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const text = $("card-text").value.trim();
  if (!text) return;
  const ack = await send("card.add", { step_key: currentStep(live.state).key, column_key: $("card-column").value, text });
  if (ack.ok) $("card-text").value = "";
});

$("capture-field").replaceChildren(...fields.map((f) => h("option", { value: f.key }, f.label)));

function capture(cardIds) {
  const step = currentStep(live.state);
  const payload = { step_key: step.key, field_key: $("capture-field").value, mode: $("capture-append").checked ? "append" : "replace" };
  if (cardIds) payload.card_ids = cardIds;
  send("record.capture", payload).then((ack) => {
    if (ack.ok) {
      $("capture-result").textContent = `${ack.result.lines} Zeile(n) im Feld übernommen.`;
      selected.clear();
      render(live.state);
    }
  });
}
$("capture-top").addEventListener("click", () => capture(null));
$("capture-selected").addEventListener("click", () => {
  if (!selected.size) return showError("Bitte zuerst Karten auswählen.");
  capture([...selected]);
});

function cardItem(card, votes) {
  const box = h("input", { type: "checkbox", "aria-label": `Karte auswählen: ${card.text}`, checked: selected.has(card.id),
    onchange: (e) => (e.target.checked ? selected.add(card.id) : selected.delete(card.id)) });
  return h("li", { class: "card", "data-card-id": card.id },
    h("label", { class: "card-select" }, box, h("span", { class: "card-text", text: card.text })),
    card.author ? h("p", { class: "card-author", text: card.author }) : null,
    votes !== undefined ? h("p", { class: "card-votes" }, `${votes} ${votes === 1 ? "Punkt" : "Punkte"}`) : null);
}

function renderAgenda(state) {
  $("agenda").replaceChildren(...state.steps.map((step, i) => h("li",
    { class: i === state.session.current_step ? "current" : "", "aria-current": i === state.session.current_step ? "step" : false },
    h("button", { type: "button", class: "link", disabled: state.session.status !== "live",
      onclick: () => send("step.goto", { step_key: step.key }) },
      `${t(step.title)}${step.timebox_minutes ? ` (${step.timebox_minutes} min)` : ""}`))));
}

function renderBoard(state, step) {
  const board = $("board");
  if (step.type === "brainstorm") {
    const cards = cardsOf(state, step.key);
    board.replaceChildren(h("div", { class: "columns" }, step.columns.map((c) => h("section", { class: "column" },
      h("h3", {}, `${t(c.title)} (${cards.filter((x) => x.column_key === c.key).length})`),
      h("ul", { class: "cards" }, cards.filter((x) => x.column_key === c.key).map((card) => cardItem(card)))))));
  } else if (step.type === "dot_vote") {
    const totals = totalsOf(state, step.key);
    const cards = rankByVotes(cardsOf(state, step.source), totals);
    const spent = Object.values(totals).reduce((a, b) => a + b, 0);
    board.replaceChildren(h("p", {}, `${spent} Punkte vergeben · Budget ${step.budget} pro Person, höchstens ${step.max_per_card} pro Karte`),
      h("ol", { class: "cards ranked" }, cards.map((card) => cardItem(card, totals[card.id] || 0))));
  } else {
    board.replaceChildren();
  }
}

function renderCapture(step) {
  const panel = $("capture");
  panel.hidden = !["brainstorm", "dot_vote"].includes(step.type);
  const configured = step.capture || {};
  if (configured.field) $("capture-field").value = configured.field;
  $("capture-top").textContent = configured.top ? `Top ${configured.top} übernehmen` : "Alle Karten übernehmen";
  $("capture-hint").textContent = configured.field
    ? `Vorgesehen: „${(fields.find((f) => f.key === configured.field) || {}).label}“.` : "Feld wählen.";
}

function renderCaptured(state) {
  const latest = new Map();
  state.captures.forEach((c) => latest.set(c.field_key, c));
  const label = (key) => (fields.find((f) => f.key === key) || { label: key }).label;
  $("captured").replaceChildren(h("h2", {}, "Im Steckbrief aus dieser Sitzung"),
    latest.size ? h("dl", {}, [...latest.values()].flatMap((c) => [h("dt", {}, label(c.field_key)),
      h("dd", {}, h("ul", {}, c.lines.map((l) => h("li", { text: l }))))])) : h("p", { class: "empty" }, "noch nichts übernommen"));
}

function render(state) {
  if (!state) return;
  const step = currentStep(state);
  $("participants").textContent = state.participants;
  $("status").textContent = STATUS[state.session.status];
  $("start").hidden = state.session.status !== "ready";
  $("end").hidden = state.session.status === "ended";
  $("prev").disabled = state.session.status !== "live" || state.session.current_step === 0;
  $("next").disabled = state.session.status !== "live" || state.session.current_step === state.steps.length - 1;
  renderAgenda(state);
  $("step").replaceChildren(h("p", { class: "eyebrow" }, `Schritt ${state.session.current_step + 1} von ${state.steps.length}`),
    h("h2", { text: t(step.title) }), step.prompt ? h("p", { class: "prompt", text: t(step.prompt) }) : null);
  const form = $("card-form");
  form.hidden = step.type !== "brainstorm" || state.session.status !== "live";
  if (step.type === "brainstorm") {
    const current = $("card-column").value;
    $("card-column").replaceChildren(...step.columns.map((c) => h("option", { value: c.key }, t(c.title))));
    if (step.columns.some((c) => c.key === current)) $("card-column").value = current;
    $("card-column").hidden = step.columns.length < 2;
  }
  renderBoard(state, step);
  renderCapture(step);
  renderCaptured(state);
}
