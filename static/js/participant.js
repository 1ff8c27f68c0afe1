// The participant's phone: only the current step, big touch targets.
import { _, errorText } from "./i18n.js";
import { announce, connectLive, currentStep, h, othersHiddenCount, setConnection, t, visibleCards, fill } from "./live.js";
import { actionList, capturedFields, clusterBoard, consentResult, pollResults, spotlightBanner, stepNotices,
  timerBadge, voteTargets } from "./widgets.js";

const $ = (id) => document.getElementById(id);
const stepEl = $("step");
const composeEl = $("compose");
const boardEl = $("board");
const textEl = $("card-text");
const errorEl = $("compose-error");
const columnChoice = $("column-choice");
let renderedStepKey = null;
let editing = null; // card id being edited

const live = connectLive({
  onChange: render,
  onStatus: setConnection,
  onRejected: (op, error) => showError(_("Nicht gesendet: {message}", { message: errorText(error) }), op),
});
setInterval(() => live.state && renderTimer(live.state), 1000); // the timer counts down

function renderTimer(state) {
  const slot = $("timer");
  if (state.session.status !== "live") { fill(slot, ); return; }
  fill(slot, timerBadge(state, currentStep(state)) || "");
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
  if (ack.ok) announce(ack.result.card && ack.result.card.status === "pending" ? _("Karte gesendet, wartet auf Freigabe.") : _("Karte hinzugefügt."));
});

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
    const input = h("textarea", { rows: 3, maxlength: 500, "aria-label": _("Karte bearbeiten") });
    input.value = card.text;
    return h("li", { class: "card mine" }, input,
      h("div", { class: "card-actions" },
        h("button", { type: "button", class: "primary", onclick: async () => {
          const ack = await send("card.edit", { card_id: card.id, text: input.value });
          if (ack.ok) { editing = null; render(live.state); }
        } }, _("Speichern")),
        h("button", { type: "button", onclick: () => { editing = null; render(live.state); } }, _("Abbrechen"))));
  }
  return h("li", { class: `card${card.mine ? " mine" : ""}${card.status === "pending" ? " pending" : ""}`, "data-card-id": card.id },
    h("p", { class: "card-text", text: card.text }),
    card.author ? h("p", { class: "card-author", text: card.author }) : null,
    card.status === "pending" ? h("p", { class: "card-author" }, _("wartet auf Freigabe")) : null,
    extra || null,
    card.mine && !extra ? h("div", { class: "card-actions" },
      h("button", { type: "button", onclick: () => { editing = card.id; render(live.state); } }, _("Bearbeiten")),
      h("button", { type: "button", onclick: async () => {
        const ack = await send("card.delete", { card_id: card.id });
        if (ack.ok) announce(_("Karte gelöscht."));
      } }, _("Löschen"))) : null);
}

function queuedCard(op) {
  return h("li", { class: "card mine pending queued" }, h("p", { class: "card-text", text: op.payload.text }),
    h("p", { class: "card-author" }, _("wird gesendet, sobald die Verbindung steht")));
}

function renderBrainstorm(state, step) {
  const cards = visibleCards(state, step.key);
  const others = othersHiddenCount(state, step.key);
  // While offline, typed cards wait in the outbox; show them so nobody types them twice.
  const queued = live.socket.connected ? []
    : live.queued().filter((op) => op.type === "card.add" && op.payload.step_key === step.key);
  fill(boardEl, 
    step.silent && !(state.runtime[step.key] || {}).revealed && others
      ? h("p", { class: "meta" }, _("{others} weitere Karte(n) aus der Gruppe – sichtbar nach dem Aufdecken.", { others })) : null,
    ...step.columns.map((column) => h("section", { class: "column" },
      step.columns.length > 1 ? h("h2", { text: t(column.title) }) : null,
      h("ul", { class: "cards" }, cards.filter((c) => c.column_key === column.key).map((c) => cardItem(c)),
        queued.filter((op) => (op.payload.column_key || step.columns[0].key) === column.key).map(queuedCard)))));
}

function renderVote(state, step) {
  const activity = state.activity[step.key] || {};
  const mine = activity.mine || {};
  const spent = Object.values(mine).reduce((a, b) => a + b, 0);
  const remaining = step.budget - spent;
  fill(boardEl, 
    h("p", { class: "budget", role: "status" }, _("Noch {remaining} von {budget} Punkten", { remaining, budget: step.budget })),
    h("ul", { class: "cards" }, voteTargets(state, step).map((target) => {
      const own = mine[target.id] || 0;
      const vote = async (type) => {
        const ack = await send(type, { [target.kind]: target.id });
        if (!ack.ok) return;
        const a = live.state.activity[step.key];
        a.mine = a.mine || {};
        a.mine[target.id] = ack.result.mine;
        render(live.state);
        announce(_("Noch {remaining} Punkte.", { remaining: ack.result.remaining }));
      };
      const row = h("div", { class: "vote-row" },
        h("button", { type: "button", class: "vote-btn", "aria-label": _("Punkt wegnehmen: {text}", { text: target.text }),
          disabled: own === 0, onclick: () => vote("vote.remove") }, "−"),
        h("span", { class: "dots", "aria-label": _("{own} eigene Punkte", { own }) }, "●".repeat(own) || "–"),
        h("button", { type: "button", class: "vote-btn", "aria-label": _("Punkt geben: {text}", { text: target.text }),
          disabled: remaining === 0 || own >= step.max_per_card, onclick: () => vote("vote.add") }, "+"));
      return target.card ? cardItem(target.card, row)
        : h("li", { class: "card", "data-cluster-id": target.id }, h("p", { class: "card-text", text: target.text }), row);
    })));
}

function renderConsent(state, step) {
  const activity = state.activity[step.key] || {};
  if (activity.result) { fill(boardEl, consentResult(state, step)); return; }
  const mine = activity.mine || {};
  const options = visibleCards(state, step.key);
  fill(boardEl, 
    h("p", { class: "meta" }, _("0 = kein Widerstand, 10 = starker Widerstand. Ihre Bewertung bleibt verborgen, bis die Moderation aufdeckt.")),
    h("ul", { class: "cards" }, options.map((option) => {
      const value = mine[option.id];
      const set = async (v) => {
        const ack = await send(v === null ? "rating.clear" : "rating.set", v === null ? { card_id: option.id } : { card_id: option.id, value: v });
        if (!ack.ok) return;
        const a = live.state.activity[step.key];
        a.mine = a.mine || {};
        if (v === null) delete a.mine[option.id]; else a.mine[option.id] = v;
        render(live.state);
      };
      return h("li", { class: "card", "data-card-id": option.id },
        h("p", { class: "card-text", text: option.text }),
        h("fieldset", { class: "scale" }, h("legend", { class: "visually-hidden" }, _("Widerstand gegen: {text}", { text: option.text })),
          Array.from({ length: 11 }, (_slot, v) => h("button", { type: "button", class: `scale-btn${value === v ? " chosen" : ""}`,
            "aria-pressed": value === v ? "true" : "false", "aria-label": _("Widerstand {v}", { v }), onclick: () => set(v) }, String(v)))),
        value !== undefined ? h("button", { type: "button", class: "link", onclick: () => set(null) }, _("Bewertung zurücknehmen (Enthaltung)")) : null);
    })));
}

function renderPoll(state, step) {
  const activity = state.activity[step.key] || {};
  const mine = activity.mine || [];
  const choose = async (index) => {
    let choices = [index];
    if (step.multiple) choices = mine.includes(index) ? mine.filter((i) => i !== index) : [...mine, index];
    if (!choices.length) return;
    const ack = await send("poll.answer", { choices });
    if (ack.ok) { live.state.activity[step.key].mine = ack.result.choices; render(live.state); announce(_("Antwort gespeichert.")); }
  };
  fill(boardEl, 
    h("div", { class: "poll-options", role: "group", "aria-label": t(step.title) }, step.options.map((o, i) =>
      h("button", { type: "button", class: `poll-btn${mine.includes(i) ? " chosen" : ""}`,
        "aria-pressed": mine.includes(i) ? "true" : "false", onclick: () => choose(i) }, t(o)))),
    activity.counts ? pollResults(state, step) : null);
}

function renderActions(state, step) {
  const mine = (state.activity[step.key] && state.activity[step.key].mine) || [];
  const who = h("input", { id: "action-who", maxlength: 200, required: true });
  const what = h("input", { id: "action-what", maxlength: 1000, required: true });
  const due = h("input", { id: "action-due", type: "date" });
  fill(boardEl, 
    h("form", { class: "stack", onsubmit: async (e) => {
      e.preventDefault();
      const ack = await send("action.add", { who: who.value, what: what.value, due: due.value || null });
      if (ack.ok) { who.value = ""; what.value = ""; due.value = ""; }
    } }, h("label", { for: "action-what" }, _("Was ist zu tun?")), what, h("label", { for: "action-who" }, _("Wer?")), who,
    h("label", { for: "action-due" }, _("Bis wann? (optional)")), due, h("button", { type: "submit", class: "primary big" }, _("Aufgabe hinzufügen"))),
    actionList(state, step, (item) => (mine.includes(item.id)
      ? h("button", { type: "button", onclick: () => send("action.delete", { item_id: item.id }) }, _("Löschen")) : null)));
}

function renderSummary(state) {
  fill(boardEl, ...capturedFields(state).map((c) => h("section", { class: "column" },
    h("h2", { text: c.field_label || c.field_key }),
    h("ul", {}, c.lines.map((line) => h("li", { text: line }))))));
}

function render(state) {
  if (!state) return;
  const { status } = state.session;
  if (status === "ready") {
    fill(stepEl, h("h1", { text: _("Gleich geht es los") }),
      h("p", { class: "prompt", text: _("Die Moderation startet die Sitzung in Kürze. Diese Seite aktualisiert sich von selbst.") }));
    composeEl.hidden = true; fill(boardEl, ); return;
  }
  if (status === "ended") {
    fill(stepEl, h("h1", { text: _("Vielen Dank!") }),
      h("p", { class: "prompt", text: _("Die Sitzung ist beendet. Ihre Beiträge sind gespeichert.") }),
      // the measure's public page shows what becomes of each contribution (only if the team made it public)
      ...(state.session.public_path ? [h("p", {}, [h("a", { href: state.session.public_path,
        text: _("Was aus den Beiträgen wird: die öffentliche Seite der Maßnahme") })])] : []));
    composeEl.hidden = true; fill(boardEl, ); return;
  }
  const step = currentStep(state);
  if (renderedStepKey !== step.key) {
    renderedStepKey = step.key;
    editing = null;
    errorEl.hidden = true;
    if (step.columns) renderColumns(step);
    announce(_("Neuer Schritt: {value}", { value: t(step.title) }));
  }
  renderHeader(state);
  renderTimer(state);
  const writes = ["brainstorm", "draft"].includes(step.type) && step.authors !== "facilitator";
  composeEl.hidden = !writes || !!(state.runtime[step.key] || {}).locked;
  if (["brainstorm", "draft"].includes(step.type)) renderBrainstorm(state, step);
  else if (step.type === "cluster") fill(boardEl, clusterBoard(state, step));
  else if (step.type === "dot_vote") renderVote(state, step);
  else if (step.type === "consent") renderConsent(state, step);
  else if (step.type === "poll") renderPoll(state, step);
  else if (step.type === "action_items") renderActions(state, step);
  else renderSummary(state);
}
