// The participant's phone: only the current step, big touch targets.
import { _, errorText } from "./i18n.js";
import { announce, connectLive, currentStep, h, setConnection, t, fill } from "./live.js";
import { spotlightBanner, stepNotices, timerBadge, timerSpeaker } from "./widgets.js";
import { activityFor, ACTIVITIES } from "./activities/index.js";
import { clearFields, redrawKeepingInput } from "./dom.js";
import { variantList } from "./activities/card_merge.js";

const $ = (id) => document.getElementById(id);
const stepEl = $("step");
const composeEl = $("compose");
const boardEl = $("board");
const textEl = $("card-text");
const errorEl = $("compose-error");
const columnChoice = $("column-choice");
const statusEl = $("phone-status");
const speakTimer = timerSpeaker($("timer-live"));
let renderedStepKey = null;
let editing = null; // card id being edited

const live = connectLive({
  activities: ACTIVITIES,
  onChange: render,
  onStatus: setConnection,
  onRejected: (op, error) => showError(_("Nicht gesendet: {message}", { message: errorText(error) }), op),
});
setInterval(() => live.state && renderTimer(live.state), 1000); // the timer counts down

// Text size: people who read small print badly make it larger; the choice stays on this phone.
const SIZES = [1, 1.25, 1.5];
let size = Number(localStorage.getItem("workshop-text-size")) || 1;
function applySize() {
  document.documentElement.style.setProperty("--text-scale", String(size));
  $("text-smaller").disabled = size <= SIZES[0];
  $("text-larger").disabled = size >= SIZES[SIZES.length - 1];
  try { localStorage.setItem("workshop-text-size", String(size)); } catch { /* private mode */ }
}
$("text-smaller").addEventListener("click", () => { size = SIZES[Math.max(0, SIZES.indexOf(size) - 1)] || SIZES[0]; applySize(); });
$("text-larger").addEventListener("click", () => { size = SIZES[Math.min(SIZES.length - 1, SIZES.indexOf(size) + 1)]; applySize(); });
if (!SIZES.includes(size)) size = 1;
applySize();

function renderTimer(state) {
  const slot = $("timer");
  if (state.session.status !== "live") { fill(slot, ); speakTimer(state, null); return; }
  fill(slot, timerBadge(state, currentStep(state)) || "");
  speakTimer(state, currentStep(state));
}

// The step's plain-language help: one disclosure, its text changed per step (closed again on a new
// step), so an open one does not snap shut on every event.
function renderHelp(step, isNew) {
  const activity = activityFor(step);
  const text = activity.help ? activity.help(ui, step) : "";
  $("help").hidden = !text;
  $("help-text").textContent = text;
  if (isNew) $("help").open = false;
}

// One status node for the whole visit; only its text changes (see activities' phoneStatus).
function renderStatus(state, step) {
  const activity = step ? activityFor(step) : null;
  const text = activity && activity.phoneStatus ? activity.phoneStatus(state, step, ui) : "";
  if (statusEl.textContent !== text) statusEl.textContent = text;
}

function showError(message, op) {
  errorEl.textContent = message;
  errorEl.hidden = false;
  // Nothing typed is lost: a rejected card goes back into the text box.
  if (op && op.type === "card.add" && !textEl.value) textEl.value = op.payload.text;
}

async function send(type, payload) {
  errorEl.hidden = true;
  const ack = await live.send(type, payload);
  if (!ack.ok) showError(errorText(ack.error), { type, payload });
  return ack;
}

function selectedColumn(step) {
  const checked = columnChoice.querySelector("input:checked");
  return checked ? checked.value : step.columns[0].key;
}

$("card-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const step = currentStep(live.state);
  const text = textEl.value.trim();
  if (!text) return;
  textEl.value = "";
  const ack = await send("card.add", { step_key: step.key, column_key: selectedColumn(step), text });
  if (ack.ok) announce(ack.result.card && ack.result.card.status === "pending" ? _("Beitrag gesendet, wartet auf Freigabe.") : _("Beitrag hinzugefügt."));
});

// What the activity modules get from this page (see activities/index.js).
const ui = {
  h, t, _, fill, announce, send, cardItem, queuedCard, clearFields,
  online: () => live.socket.connected,
  redraw: () => render(live.state),
  queued: () => live.queued(),
};

function renderHeader(state) {
  if (state.session.status !== "live") return;
  const step = currentStep(state);
  const index = state.session.current_step + 1;
  fill(stepEl, 
    spotlightBanner(state),
    h("p", { class: "eyebrow" }, _("Schritt {index} von {steps}", { index, steps: state.steps.length })),
    h("h1", { text: t(step.title) }),
    step.prompt ? h("p", { class: "prompt", text: t(step.prompt) }) : null,
    ...stepNotices(state, step),
    activityFor(step).phoneHeader ? activityFor(step).phoneHeader(state, step, ui) : null, // e.g. one's table
  );
}

function renderColumns(step) {
  const box = columnChoice.querySelector(".choices");
  const columns = step.columns || [];
  columnChoice.hidden = columns.length < 2;
  fill(box, ...columns.map((c, i) => h("label", { class: "choice" },
    h("input", { type: "radio", name: "column", value: c.key, checked: i === 0 }), t(c.title))));
}

function cardItem(card, extra) {
  if (editing === card.id) {
    const input = h("textarea", { id: `edit-card-${card.id}`, rows: 3, maxlength: 500, "aria-label": _("Beitrag bearbeiten") });
    input.value = card.text;
    return h("li", { class: "card mine" }, input,
      h("div", { class: "card-actions" },
        h("button", { type: "button", class: "primary", onclick: async () => {
          const ack = await send("card.edit", { card_id: card.id, text: input.value });
          if (ack.ok) {
            editing = null;
            render(live.state);
            // In a moderated step the changed text is checked again before the room sees it.
            announce(ack.result.card && ack.result.card.status === "pending" ? _("Änderung gesendet, wartet auf Freigabe.") : _("Änderung gespeichert."));
          }
        } }, _("Speichern")),
        h("button", { type: "button", onclick: () => { editing = null; render(live.state); } }, _("Abbrechen"))));
  }
  return h("li", { class: `card${card.mine ? " mine" : ""}${card.status === "pending" ? " pending" : ""}`, "data-card-id": card.id },
    h("p", { class: "card-text", text: card.text }),
    card.author ? h("p", { class: "card-author", text: card.author }) : null,
    card.status === "pending" ? h("p", { class: "card-author" }, _("wartet auf Freigabe")) : null,
    variantList(card),
    extra || null,
    card.mine && !extra ? h("div", { class: "card-actions" },
      h("button", { type: "button", onclick: () => { editing = card.id; render(live.state); } }, _("Bearbeiten")),
      h("button", { type: "button", onclick: async () => {
        const ack = await send("card.delete", { card_id: card.id });
        if (ack.ok) announce(_("Beitrag gelöscht."));
      } }, _("Löschen"))) : null);
}

function queuedCard(op) {
  return h("li", { class: "card mine pending queued" }, h("p", { class: "card-text", text: op.payload.text }),
    h("p", { class: "card-author" }, _("wird gesendet, sobald die Verbindung steht")));
}

function render(state) {
  if (!state) return;
  const { status } = state.session;
  if (status === "ready") {
    fill(stepEl, h("h1", { text: _("Gleich geht es los") }),
      h("p", { class: "prompt", text: _("Die Moderation startet die Sitzung in Kürze. Diese Seite aktualisiert sich von selbst.") }));
    composeEl.hidden = true; fill(boardEl, ); renderStatus(state, null); $("help").hidden = true; return;
  }
  if (status === "ended") {
    fill(stepEl, h("h1", { text: _("Vielen Dank!") }),
      h("p", { class: "prompt", text: _("Die Sitzung ist beendet. Ihre Beiträge sind gespeichert.") }),
      // the measure's public page shows what becomes of each contribution (only if the team made it public)
      ...(state.session.public_path ? [h("p", {}, [h("a", { href: state.session.public_path,
        text: _("Was aus den Beiträgen wird: die öffentliche Seite der Maßnahme") })])] : []));
    composeEl.hidden = true; fill(boardEl, ); renderStatus(state, null); $("help").hidden = true; return;
  }
  const step = currentStep(state);
  const isNew = renderedStepKey !== step.key;
  if (isNew) {
    renderedStepKey = step.key;
    editing = null;
    fill(boardEl); // a new step: nothing typed for the last one carries over
    errorEl.hidden = true;
    if (step.columns) renderColumns(step);
    announce(_("Neuer Schritt: {value}", { value: t(step.title) }));
  }
  renderHeader(state);
  renderHelp(step, isNew);
  renderTimer(state);
  renderStatus(state, step);
  const activity = activityFor(step);
  const writes = !!(activity.composes && activity.composes(step, state));
  composeEl.hidden = !writes || !!(state.runtime[step.key] || {}).locked;
  redrawKeepingInput(boardEl, activity.phone(state, step, ui));
}

