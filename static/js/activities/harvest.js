// Harvest (server: workshop/activities/harvest.py): each table's key points in the plenary, one
// column per table. The facilitator collects them; everyone then sees them, marked with their table,
// and a later cluster step or vote works on them like on any cards.
import { activityOf, visibleCards } from "../live.js";
import { projectorCard } from "../widgets.js";
import { upsertCard } from "./cards.js";
import { tableTitle } from "./tables.js";

const sourceOf = (state, step) => state.steps.find((s) => s.key === step.source) || { tables: [] };
const collected = (state, step) => !!(state.activity[step.key] || {}).collected;

function byTable(state, step, ui, draw) {
  const { h } = ui;
  const source = sourceOf(state, step);
  const cards = visibleCards(state, step.key);
  return h("div", { class: `columns cols-${Math.min(source.tables.length, 4)} harvest-tables` }, source.tables.map((_name, i) => {
    const members = cards.filter((c) => c.table_no === i + 1);
    return h("section", { class: "column", "data-table": i + 1 },
      h("h2", { text: tableTitle(ui, source, i + 1) }),
      h("ul", { class: "cards" }, members.map(draw)));
  }));
}

function waiting(ui) {
  return ui.h("p", { class: "big-count" }, ui._("Gleich kommen die Kernpunkte der Tische ins Plenum."));
}

function consoleBoard(state, step, ui) {
  const { h, _ } = ui;
  const source = sourceOf(state, step);
  const a = state.activity[source.key] || {};
  const plan = source.tables.map((_name, i) => {
    const no = i + 1;
    const picks = (a.picks || {})[no] || 0;
    const cards = ((a.card_ids || {})[no] || []).length;
    return h("li", {}, h("strong", { text: tableTitle(ui, source, no) }), ": ",
      picks ? _("{count} markierte Kernpunkte", { count: picks })
        : _("nichts markiert – alle {count} Beiträge kommen", { count: cards }));
  });
  return [
    h("p", {}, _("Bringt von jedem Tisch die markierten Kernpunkte ins Plenum – hat ein Tisch nichts markiert, alle seine Beiträge. Danach sehen alle die Beiträge aller Tische.")),
    collected(state, step) ? null : h("ul", { class: "harvest-plan" }, plan),
    h("button", { type: "button", class: "primary", id: "harvest", onclick: async () => {
      const ack = await ui.send("harvest.collect", {});
      if (ack.ok) ui.announce(_("{count} Beiträge ins Plenum geholt.", { count: ack.result.added }));
    } }, collected(state, step) ? _("Neue Kernpunkte nachholen") : _("Kernpunkte der Tische einholen")),
    collected(state, step) ? byTable(state, step, ui, (card) => ui.cardItem(card)) : null,
  ];
}

export default {
  type: "harvest",
  label: ({ _ }) => _("Ernte"),
  help: ({ _ }) => _("Die Kernpunkte aller Tische kommen hier zusammen, jeweils mit ihrem Tisch. Hören Sie den Gastgeber:innen zu; danach ordnet und gewichtet das Plenum."),
  selectable: true, // the console may capture a selection
  phone: (state, step, ui) => (collected(state, step)
    ? [byTable(state, step, ui, (card) => ui.cardItem(card, ui.h("span")))] // no editing in the plenary
    : [waiting(ui)]),
  projector: (state, step, ui) => (collected(state, step) ? [byTable(state, step, ui, projectorCard)] : [waiting(ui)]),
  console: consoleBoard,
  events: {
    "harvest.collected": (s, p, e) => {
      if (e.own) return;
      activityOf(s, p.step_key).collected = true;
      (s.runtime[p.source] = s.runtime[p.source] || {}).revealed = true;
      activityOf(s, p.source).revealed = true;
      ((p.data && p.data.cards) || []).forEach((card) => upsertCard(s, card, false));
    },
  },
};
