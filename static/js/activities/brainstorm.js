// Brainstorm: people write contributions into the step's columns (silent, moderated, notes-only).
import { othersHiddenCount, visibleCards } from "../live.js";
import { projectorCard } from "../widgets.js";

function phoneBoard(state, step, ui) {
  const { h, t, _ } = ui;
  const cards = visibleCards(state, step.key);
  const others = othersHiddenCount(state, step.key);
  // While offline, typed contributions wait in the outbox; show them so nobody types them twice.
  const queued = ui.online() ? [] : ui.queued().filter((op) => op.type === "card.add" && op.payload.step_key === step.key);
  return [
    step.silent && !(state.runtime[step.key] || {}).revealed && others
      ? h("p", { class: "meta" }, _("Weitere Beiträge aus der Gruppe: {others} – sichtbar nach dem Aufdecken.", { others })) : null,
    ...step.columns.map((column) => h("section", { class: "column" },
      step.columns.length > 1 ? h("h2", { text: t(column.title) }) : null,
      h("ul", { class: "cards" }, cards.filter((c) => c.column_key === column.key).map((c) => ui.cardItem(c)),
        queued.filter((op) => (op.payload.column_key || step.columns[0].key) === column.key).map(ui.queuedCard)))),
  ];
}

export default {
  type: "brainstorm",
  label: ({ _ }) => _("Sammeln"),
  help: ({ _ }, step) => (step.authors === "facilitator"
    ? _("Die Moderation schreibt hier mit. Sagen Sie Ihre Gedanken laut; auf dieser Seite lesen Sie mit.")
    : _("Schreiben Sie Ihre Idee in das Feld „Ihr Beitrag“ und tippen Sie auf „Beitrag hinzufügen“. Ein Gedanke pro Beitrag. Eigene Beiträge können Sie bearbeiten oder löschen.")),
  composes: (step) => step.authors !== "facilitator", // the phone shows the "new contribution" box
  consoleAdds: () => "card.add",
  selectable: true, // the console may capture a selection of cards
  phone: phoneBoard,
  projector(state, step, ui) {
    const { h, t, _ } = ui;
    if (step.silent && !(state.runtime[step.key] || {}).revealed) {
      return [h("p", { class: "big-count" }, _("Eingegangene Beiträge: {value} – aufgedeckt wird gemeinsam.", { value: othersHiddenCount(state, step.key) }))];
    }
    const cards = visibleCards(state, step.key);
    return [h("div", { class: `columns cols-${step.columns.length}` }, step.columns.map((c) => h("section", { class: "column" },
      step.columns.length > 1 ? h("h2", { text: t(c.title) }) : null,
      h("ul", { class: "cards" }, cards.filter((x) => x.column_key === c.key).map(projectorCard)))))];
  },
  console(state, step, ui) {
    const { h, t } = ui;
    const cards = visibleCards(state, step.key).concat(state.cards.filter((c) => c.step_key === step.key && c.status === "hidden"))
      .filter((c) => c.status !== "pending");
    return [h("div", { class: "columns" }, step.columns.map((c) => h("section", { class: "column" },
      h("h3", {}, `${t(c.title)} (${cards.filter((x) => x.column_key === c.key).length})`),
      h("ul", { class: "cards" }, cards.filter((x) => x.column_key === c.key).map((card) => ui.cardItem(card))))))];
  },
};
