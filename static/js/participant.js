// The participant's phone: only the current step, big touch targets.
import { announce, cardsOf, connectLive, currentStep, h, rankByVotes, setConnection, t, totalsOf } from "./live.js";

const stepEl = document.getElementById("step");
const composeEl = document.getElementById("compose");
const boardEl = document.getElementById("board");
const form = document.getElementById("card-form");
const textEl = document.getElementById("card-text");
const errorEl = document.getElementById("compose-error");
const columnChoice = document.getElementById("column-choice");
let renderedStepKey = null;
let editing = null; // card id being edited

const live = connectLive({
  onChange: render,
  onStatus: setConnection,
  onRejected: (op, error) => showError(`Nicht gesendet: ${error.message}`, op),
});

function showError(message, op) {
  errorEl.textContent = message;
  errorEl.hidden = false;
  // Nothing typed is lost: a rejected card goes back into the text box.
  if (op && op.type === "card.add" && !textEl.value) textEl.value = op.payload.text;
}

function selectedColumn(step) {
  const checked = columnChoice.querySelector("input:checked");
  return checked ? checked.value : step.columns[0].key;
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const step = currentStep(live.state);
  const text = textEl.value.trim();
  if (!text) return;
  errorEl.hidden = true;
  textEl.value = "";
  const ack = await live.send("card.add", { step_key: step.key, column_key: selectedColumn(step), text });
  if (!ack.ok) showError(ack.error.message, { type: "card.add", payload: { text } });
  else announce("Karte hinzugefügt.");
});

function renderStepHeader(state, step) {
  const index = state.session.current_step + 1;
  stepEl.replaceChildren(
    h("p", { class: "eyebrow" }, `Schritt ${index} von ${state.steps.length}`),
    h("h1", { text: t(step.title) }),
    step.prompt ? h("p", { class: "prompt", text: t(step.prompt) }) : null,
  );
}

function renderColumns(step) {
  const box = columnChoice.querySelector(".choices");
  const columns = step.columns || [];
  columnChoice.hidden = columns.length < 2;
  box.replaceChildren(...columns.map((c, i) => h("label", { class: "choice" },
    h("input", { type: "radio", name: "column", value: c.key, checked: i === 0 }), t(c.title))));
}

function cardItem(card, extra) {
  if (editing === card.id) {
    const input = h("textarea", { rows: 3, maxlength: 500, "aria-label": "Karte bearbeiten" });
    input.value = card.text;
    return h("li", { class: "card mine" }, input,
      h("div", { class: "card-actions" },
        h("button", { type: "button", class: "primary", onclick: async () => {
          const ack = await live.send("card.edit", { card_id: card.id, text: input.value });
          if (ack.ok) { editing = null; render(live.state); } else showError(ack.error.message);
        } }, "Speichern"),
        h("button", { type: "button", onclick: () => { editing = null; render(live.state); } }, "Abbrechen")));
  }
  return h("li", { class: `card${card.mine ? " mine" : ""}`, "data-card-id": card.id },
    h("p", { class: "card-text", text: card.text }),
    card.author ? h("p", { class: "card-author", text: card.author }) : null,
    extra || null,
    card.mine && !extra ? h("div", { class: "card-actions" },
      h("button", { type: "button", onclick: () => { editing = card.id; render(live.state); } }, "Bearbeiten"),
      h("button", { type: "button", onclick: async () => {
        const ack = await live.send("card.delete", { card_id: card.id });
        if (!ack.ok) showError(ack.error.message); else announce("Karte gelöscht.");
      } }, "Löschen")) : null);
}

function renderBrainstorm(state, step) {
  const cards = cardsOf(state, step.key);
  boardEl.replaceChildren(...step.columns.map((column) => h("section", { class: "column" },
    step.columns.length > 1 ? h("h2", { text: t(column.title) }) : null,
    h("ul", { class: "cards" }, cards.filter((c) => c.column_key === column.key).map((c) => cardItem(c))))));
}

function renderVote(state, step) {
  const totals = totalsOf(state, step.key);
  const mine = (state.activity[step.key] && state.activity[step.key].mine) || {};
  const spent = Object.values(mine).reduce((a, b) => a + b, 0);
  const remaining = step.budget - spent;
  const cards = rankByVotes(cardsOf(state, step.source), {});
  boardEl.replaceChildren(
    h("p", { class: "budget", role: "status" }, `Noch ${remaining} von ${step.budget} Punkten`),
    h("ul", { class: "cards" }, cards.map((card) => {
      const own = mine[card.id] || 0;
      const vote = async (type) => {
        const ack = await live.send(type, { card_id: card.id });
        if (!ack.ok) return showError(ack.error.message);
        errorEl.hidden = true;
        const activity = live.state.activity[step.key];
        activity.mine = activity.mine || {};
        activity.mine[card.id] = ack.result.mine;
        render(live.state);
        announce(`Noch ${ack.result.remaining} Punkte.`);
      };
      return cardItem(card, h("div", { class: "vote-row" },
        h("button", { type: "button", class: "vote-btn", "aria-label": `Punkt wegnehmen: ${card.text}`,
          disabled: own === 0, onclick: () => vote("vote.remove") }, "−"),
        h("span", { class: "dots", "aria-label": `${own} eigene Punkte, ${totals[card.id] || 0} insgesamt` },
          "●".repeat(own) || "–"),
        h("button", { type: "button", class: "vote-btn", "aria-label": `Punkt geben: ${card.text}`,
          disabled: remaining === 0 || own >= step.max_per_card, onclick: () => vote("vote.add") }, "+")));
    })));
}

function renderSummary(state) {
  const latest = new Map();
  state.captures.forEach((c) => latest.set(c.field_key, c));
  boardEl.replaceChildren(...[...latest.values()].map((c) => h("section", { class: "column" },
    h("h2", { text: c.field_label || c.field_key }),
    h("ul", {}, c.lines.map((line) => h("li", { text: line }))))));
}

function render(state) {
  if (!state) return;
  const { status } = state.session;
  if (status === "ready") {
    stepEl.replaceChildren(h("h1", { text: "Gleich geht es los" }),
      h("p", { class: "prompt", text: "Die Moderation startet die Sitzung in Kürze. Diese Seite aktualisiert sich von selbst." }));
    composeEl.hidden = true; boardEl.replaceChildren(); return;
  }
  if (status === "ended") {
    stepEl.replaceChildren(h("h1", { text: "Vielen Dank!" }),
      h("p", { class: "prompt", text: "Die Sitzung ist beendet. Ihre Beiträge sind gespeichert." }));
    composeEl.hidden = true; boardEl.replaceChildren(); return;
  }
  const step = currentStep(state);
  if (renderedStepKey !== step.key) {
    renderedStepKey = step.key;
    editing = null;
    errorEl.hidden = true;
    renderColumns(step);
    announce(`Neuer Schritt: ${t(step.title)}`);
  }
  renderStepHeader(state, step);
  composeEl.hidden = step.type !== "brainstorm";
  if (step.type === "brainstorm") renderBrainstorm(state, step);
  else if (step.type === "dot_vote") renderVote(state, step);
  else renderSummary(state);
}
