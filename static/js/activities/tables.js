// Table groups and World Café (server: workshop/activities/tables.py, seating.py). The phone shows
// one's own table: its board, its host, the round; the projector an overview of all tables or the one
// the facilitator opened; the console every table with its people, host, cards and key points.
// A table's cards reach only its members (the room counts them by `card_ids`) until the table is
// opened or the step revealed (the harvest does that).
import { activityOf, visibleCards } from "../live.js";
import { projectorCard } from "../widgets.js";
import { upsertCard } from "./cards.js";

const boardOf = (state, step) => state.activity[step.key] || {};
const tableNos = (step) => step.tables.map((_name, i) => i + 1);
const cardsAt = (state, step, no) => visibleCards(state, step.key).filter((c) => c.table_no === no && c.status === "visible");
const cardCount = (a, no) => ((a.card_ids || {})[no] || []).length;
const people = (a, no) => (a.counts || {})[no] || 0;

export function tableTitle(ui, step, no) {
  return ui.t(step.tables[no - 1]) || String(no);
}

function hostLine(ui, a, no) {
  const { _ } = ui;
  const hostOf = (a.hosts || {})[no];
  if (!hostOf) return _("noch ohne Gastgeber:in");
  return hostOf.name ? _("Gastgeber:in: {name}", { name: hostOf.name }) : _("Gastgeber:in ohne Namen");
}

function roundLine(ui, step, a) {
  if ((step.rounds || 1) < 2) return null;
  return ui._("Runde {round} von {rounds}", { round: a.round || 1, rounds: step.rounds });
}

function figures(ui, a, no) {
  const { _ } = ui;
  const n = people(a, no);
  const cards = cardCount(a, no);
  const picks = (a.picks || {})[no] || 0;
  return [n === 1 ? _("1 Person") : _("{count} Personen", { count: n }),
    cards === 1 ? _("1 Beitrag") : _("{count} Beiträge", { count: cards }),
    picks ? _("{count} fürs Plenum", { count: picks }) : null].filter(Boolean).join(" · ");
}

function pickMark(ui, card) {
  return card.picked ? ui.h("p", { class: "picked-mark" }, "★ ", ui._("für das Plenum")) : null;
}

// --- the phone --------------------------------------------------------------------------------

function tableChoices(state, step, ui, current) {
  const { h, _ } = ui;
  const a = boardOf(state, step);
  return h("ul", { class: "table-choices" }, tableNos(step).map((no) => h("li", {},
    h("button", { type: "button", class: `big table-choice${no === current ? " current" : ""}`, disabled: no === current,
      onclick: async () => { const ack = await ui.send("table.sit", { step_key: step.key, table_no: no }); if (ack.ok) ui.announce(_("Sie sitzen an: {table}", { table: tableTitle(ui, step, no) })); } },
    h("span", { class: "table-choice-name", text: tableTitle(ui, step, no) }),
    h("span", { class: "meta" }, figures(ui, a, no))))));
}

function unseated(state, step, ui) {
  const { h, _ } = ui;
  const a = boardOf(state, step);
  const moved = (a.visited || []).length > 0 && (a.round || 1) > 1;
  const how = {
    choose: [h("p", { class: "prompt" }, _("Wählen Sie Ihren Tisch:")), tableChoices(state, step, ui, null)],
    qr: [h("p", { class: "prompt" }, _("Scannen Sie den QR-Code auf Ihrem Tisch – dann sitzen Sie dort."))],
    facilitator: [h("p", { class: "prompt" }, _("Die Moderation teilt Sie gleich einem Tisch zu."))],
  }[step.seating] || [];
  return [moved ? h("p", { class: "notice" }, _("Runde {round}: Bitte wechseln Sie an einen anderen Tisch.", { round: a.round })) : null, ...how];
}

function phoneBoard(state, step, ui) {
  const { h, _ } = ui;
  const a = boardOf(state, step);
  const mine = a.mine || {};
  const no = mine.table_no;
  if (!no) return unseated(state, step, ui);
  const pick = (card) => h("button", { type: "button", class: card.picked ? "primary" : "", "aria-pressed": card.picked ? "true" : "false",
    onclick: () => ui.send("table.pick", { card_id: card.id, picked: !card.picked }) },
  card.picked ? _("★ fürs Plenum – zurücknehmen") : _("☆ fürs Plenum markieren"));
  const earlier = (a.visited || []).filter((other) => other !== no);
  return [
    h("ul", { class: "cards" }, cardsAt(state, step, no).map((card) => ui.cardItem(card, mine.host ? pick(card) : pickMark(ui, card))),
      ui.online() ? [] : ui.queued().filter((op) => op.type === "card.add" && op.payload.step_key === step.key).map(ui.queuedCard)),
    !cardsAt(state, step, no).length ? h("p", { class: "empty" }, _("Noch nichts an diesem Tisch – schreiben Sie den ersten Beitrag.")) : null,
    earlier.length ? h("details", { class: "earlier-tables" }, h("summary", {}, _("Tische, an denen Sie saßen")),
      earlier.map((other) => h("section", {}, h("h3", { text: tableTitle(ui, step, other) }),
        h("ul", { class: "cards" }, cardsAt(state, step, other).map((card) => ui.cardItem(card, pickMark(ui, card) || h("span"))))))) : null,
    step.seating === "choose" && !mine.host ? h("details", { class: "change-table" }, h("summary", {}, _("An einen anderen Tisch wechseln")),
      tableChoices(state, step, ui, no)) : null,
  ];
}

// Above the compose box (participant.js): where one sits, who hosts it, the round.
function seatHeader(state, step, ui) {
  const { h, _ } = ui;
  const a = boardOf(state, step);
  const mine = a.mine || {};
  const no = mine.table_no;
  if (!no) return null;
  return h("section", { class: "table-seat", "aria-labelledby": "my-table" },
    h("p", { class: "eyebrow" }, [_("Ihr Tisch"), roundLine(ui, step, a)].filter(Boolean).join(" · ")),
    h("h2", { id: "my-table", text: tableTitle(ui, step, no) }),
    h("p", { class: "meta" }, mine.host ? _("Sie sind Gastgeber:in dieses Tisches.") : hostLine(ui, a, no)),
      mine.host ? h("p", { class: "notice" }, _("Markieren Sie bis zu {picks} Kernpunkte für das Plenum. In der nächsten Runde bleiben Sie an diesem Tisch und erzählen der neuen Gruppe kurz, was bisher gesagt wurde.", { picks: step.picks }))
      : null,
      !mine.host && !(a.hosts || {})[no] ? h("button", { type: "button", onclick: () => ui.send("table.host", { step_key: step.key, table_no: no }) },
      _("Ich übernehme die Gastgeberrolle")) : null);
}

// --- the projector ------------------------------------------------------------------------------

function overview(state, step, ui) {
  const { h } = ui;
  const a = boardOf(state, step);
  return h("ul", { class: "table-overview" }, tableNos(step).map((no) => h("li", { class: "table-tile", "data-table": no },
    h("h2", { text: tableTitle(ui, step, no) }),
    h("p", { class: "table-host" }, hostLine(ui, a, no)),
    h("p", { class: "table-figures" }, figures(ui, a, no)))));
}

function oneTable(state, step, ui, no) {
  const { h } = ui;
  const a = boardOf(state, step);
  return h("section", { class: "table-focus column", "data-table": no },
    h("h2", {}, tableTitle(ui, step, no), h("span", { class: "table-host" }, ` · ${hostLine(ui, a, no)}`)),
    h("ul", { class: "cards" }, cardsAt(state, step, no).map((card) => {
      const li = projectorCard(card);
      if (card.picked) { li.classList.add("picked"); li.prepend(h("span", { class: "picked-star", "aria-label": ui._("für das Plenum") }, "★ ")); }
      return li;
    })));
}

function projectorBoard(state, step, ui) {
  const a = boardOf(state, step);
  const round = roundLine(ui, step, a);
  return [round ? ui.h("p", { class: "eyebrow table-round" }, round) : null,
    a.shown ? oneTable(state, step, ui, a.shown) : overview(state, step, ui)];
}

// --- the console --------------------------------------------------------------------------------

function personLabel(ui, seats, seat) {
  return seat.name || ui._("Person {n}", { n: seats.indexOf(seat) + 1 });
}

function seatSelect(ui, step, seats, seat) {
  const { h, _ } = ui;
  return h("select", { "aria-label": _("Tisch für: {name}", { name: personLabel(ui, seats, seat) }),
    onchange: (e) => ui.send("table.assign", { step_key: step.key, participant_id: seat.participant_id,
      table_no: e.target.value ? Number(e.target.value) : null }) },
  h("option", { value: "" }, _("– ohne Tisch –")),
  tableNos(step).map((no) => h("option", { value: no, selected: seat.table_no === no }, tableTitle(ui, step, no))));
}

function tableColumn(state, step, ui, no) {
  const { h, _ } = ui;
  const a = boardOf(state, step);
  const seats = a.seats || [];
  const here = seats.filter((s) => s.table_no === no);
  const host = here.find((s) => s.host);
  const input = h("input", { id: `table-card-${no}`, maxlength: 500, placeholder: _("Beitrag für diesen Tisch (z. B. vom Papier)") });
  return h("section", { class: "column table-column", "data-table": no },
    h("h3", {}, `${tableTitle(ui, step, no)} (${cardCount(a, no)})`),
    h("p", { class: "meta" }, figures(ui, a, no)),
    h("label", { class: "table-host-choice" }, _("Gastgeber:in"), " ",
      h("select", { "aria-label": _("Gastgeber:in für: {table}", { table: tableTitle(ui, step, no) }),
        onchange: (e) => ui.send("table.host", { step_key: step.key, table_no: no, participant_id: e.target.value ? Number(e.target.value) : null }) },
      h("option", { value: "" }, _("– niemand –")),
      here.map((s) => h("option", { value: s.participant_id, selected: host === s }, personLabel(ui, seats, s))))),
    h("ul", { class: "table-people" }, here.map((s) => h("li", {}, personLabel(ui, seats, s), s.host ? ` (${_("Gastgeber:in")})` : "", " ",
      seatSelect(ui, step, seats, s)))),
    h("button", { type: "button", class: "show-table", "aria-pressed": a.shown === no ? "true" : "false", onclick: () => ui.send("table.show", { step_key: step.key, table_no: no }) },
      a.shown === no ? _("Auf der Leinwand") : _("Auf der Leinwand zeigen")),
    h("ul", { class: "cards" }, cardsAt(state, step, no).concat(state.cards.filter((c) => c.step_key === step.key && c.table_no === no && c.status === "hidden"))
      .map((card) => ui.cardItem(card, h("button", { type: "button", class: "link", "aria-pressed": card.picked ? "true" : "false",
        onclick: () => ui.send("table.pick", { card_id: card.id, picked: !card.picked }) }, card.picked ? _("★ fürs Plenum") : _("☆ fürs Plenum markieren"))))),
    h("form", { class: "inline-form", onsubmit: async (e) => {
      e.preventDefault();
      if (!input.value.trim()) return;
      const ack = await ui.send("card.add", { step_key: step.key, table_no: no, text: input.value });
      if (ack.ok) ui.clearFields([input.id]);
    } }, h("label", { for: input.id, class: "visually-hidden" }, _("Beitrag für diesen Tisch")), input, h("button", { type: "submit" }, _("Hinzufügen"))));
}

function consoleBoard(state, step, ui) {
  const { h, _ } = ui;
  const a = boardOf(state, step);
  const seats = a.seats || [];
  const loose = seats.filter((s) => !s.table_no);
  const sessionId = document.getElementById("app").dataset.sessionId;
  const round = a.round || 1;
  return [
    h("div", { class: "table-controls" },
      roundLine(ui, step, a) ? h("p", { class: "table-round" }, roundLine(ui, step, a)) : null,
      (step.rounds || 1) > 1 ? h("button", { type: "button", id: "next-round", disabled: round >= step.rounds,
        onclick: () => { if (confirm(_("Nächste Runde starten? Die Gastgeber:innen bleiben, alle anderen wechseln den Tisch; der Timer beginnt neu."))) ui.send("table.round", { step_key: step.key }); } },
      _("Nächste Runde starten")) : null,
      h("button", { type: "button", "aria-pressed": a.shown ? "false" : "true", onclick: () => ui.send("table.show", { step_key: step.key, table_no: null }) },
        _("Leinwand: Übersicht aller Tische")),
      h("a", { href: `/sessions/${sessionId}/tische`, target: "_blank", rel: "noopener" }, _("QR-Codes der Tische drucken"))),
    h("p", { class: "meta" }, {
      choose: _("Die Teilnehmenden wählen ihren Tisch am Handy (oder mit dem QR-Code des Tisches)."),
      qr: _("Die Teilnehmenden setzen sich mit dem QR-Code ihres Tisches."),
      facilitator: _("Sie teilen die Tische zu."),
    }[step.seating], " ", _("Jeder Tisch sieht nur die eigenen Beiträge – bis zur Ernte oder bis Sie ihn auf der Leinwand zeigen.")),
    h("section", { class: "table-unseated" },
      h("h3", {}, loose.length === 1 ? _("1 Person ohne Tisch") : _("{count} Personen ohne Tisch", { count: loose.length })),
      loose.length ? h("button", { type: "button", id: "spread", onclick: () => ui.send("table.spread", { step_key: step.key }) },
        _("Gleichmäßig auf die Tische verteilen")) : null,
      h("ul", { class: "table-people" }, loose.map((s) => h("li", {}, personLabel(ui, seats, s), " ", seatSelect(ui, step, seats, s))))),
    h("div", { class: "columns tables-grid" }, tableNos(step).map((no) => tableColumn(state, step, ui, no))),
  ];
}

const tableOfCard = (p) => (p.card ? { key: p.card.step_key, no: p.card.table_no, id: p.card.id } : { key: p.step_key, no: p.table_no, id: p.card_id });

function seated(s, p) {
  const a = activityOf(s, p.step_key);
  a.counts = p.counts;
  a.hosts = p.hosts;
  a.round = p.round;
  if (p.mine !== undefined) {
    a.mine = p.mine;
    if (p.mine && p.mine.table_no && !(a.visited || []).includes(p.mine.table_no)) a.visited = [...(a.visited || []), p.mine.table_no].sort();
  }
  if (p.seats && a.seats) { // staff: every changed seat
    for (const seat of p.seats) {
      const at = a.seats.findIndex((x) => x.participant_id === seat.participant_id);
      if (at >= 0) a.seats[at] = seat; else a.seats.push(seat);
    }
  }
  ((p.data && p.data.cards) || []).forEach((card) => upsertCard(s, card, false)); // the board one sits down at
}

export default {
  type: "tables",
  label: ({ _ }) => _("An Tischen"),
  help: ({ _ }, step) => (step.seating === "facilitator"
    ? _("Die Moderation teilt Sie einem Tisch zu. An Ihrem Tisch schreiben Sie Beiträge, die nur Ihr Tisch sieht – bis zur Ernte im Plenum.")
    : _("Wählen Sie Ihren Tisch (oder scannen Sie seinen QR-Code). An Ihrem Tisch schreiben Sie Beiträge, die nur Ihr Tisch sieht – bis zur Ernte im Plenum. Die Gastgeber:in markiert die Kernpunkte.")),
  composes: (step, state) => !!(state && ((state.activity[step.key] || {}).mine || {}).table_no),
  consoleAdds: () => null, // each table has its own field on the console
  revealable: () => true, // "aufdecken": every table's board to everyone
  captures: false, // the harvest takes the tables' cards into the record
  phone: phoneBoard,
  phoneHeader: seatHeader,
  projector: projectorBoard,
  console: consoleBoard,
  events: {
    "table.seated": (s, p, e) => { if (!e.own) seated(s, p); },
    "table.round": (s, p, e) => {
      if (e.own) return;
      seated(s, p);
      (s.runtime[p.step_key] = s.runtime[p.step_key] || {}).timer = p.timer;
      s.clockOffset = Date.parse(p.server_now) - Date.now();
    },
    "table.picked": (s, p, e) => {
      if (e.own) return;
      activityOf(s, p.step_key).picks = p.picks;
      const card = !p.redacted && s.cards.find((c) => c.id === p.card_id);
      if (card) card.picked = p.picked;
    },
    "table.shown": (s, p, e) => {
      if (e.own) return;
      const a = activityOf(s, p.step_key);
      a.shown = p.shown;
      a.opened = p.opened;
      ((p.data && p.data.cards) || []).forEach((card) => upsertCard(s, card, false));
    },
    // every screen counts each table's cards by their ids (it may not read the other tables' texts)
    "card.added": (s, p, e) => {
      if (e.own || p.gone) return;
      const { key, no, id } = tableOfCard(p);
      if (!no || !s.activity[key] || !Array.isArray((s.steps.find((x) => x.key === key) || {}).tables)) return;
      const ids = ((s.activity[key].card_ids = s.activity[key].card_ids || {})[no] = s.activity[key].card_ids[no] || []);
      if (!ids.includes(id)) ids.push(id);
    },
    "card.deleted": (s, p, e) => {
      if (e.own || !p.table_no || !s.activity[p.step_key]) return;
      const ids = (s.activity[p.step_key].card_ids || {})[p.table_no];
      if (ids) s.activity[p.step_key].card_ids[p.table_no] = ids.filter((x) => x !== p.card_id);
    },
  },
};
