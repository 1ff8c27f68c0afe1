// Dot vote: each person spends a budget of points on the cards (or clusters) of an earlier step.
import { activityOf } from "../live.js";
import { barList, voteTargets } from "../widgets.js";

function phoneBoard(state, step, ui) {
  const { h, _ } = ui;
  const activity = state.activity[step.key] || {};
  const mine = activity.mine || {};
  const spent = Object.values(mine).reduce((a, b) => a + b, 0);
  const remaining = step.budget - spent;
  return [
    h("p", { class: "budget", role: "status" }, _("Noch {remaining} von {budget} Punkten", { remaining, budget: step.budget })),
    h("ul", { class: "cards" }, voteTargets(state, step).map((target) => {
      const own = mine[target.id] || 0;
      const vote = async (type) => {
        const ack = await ui.send(type, { [target.kind]: target.id });
        if (ack.ok) ui.announce(_("Noch {remaining} Punkte.", { remaining: ack.result.remaining }));
      };
      const row = h("div", { class: "vote-row" },
        h("button", { type: "button", class: "vote-btn", "aria-label": _("Punkt wegnehmen: {text}", { text: target.text }),
          disabled: own === 0, onclick: () => vote("vote.remove") }, "−"),
        h("span", { class: "dots", "aria-label": _("{own} eigene Punkte", { own }) }, "●".repeat(own) || "–"),
        h("button", { type: "button", class: "vote-btn", "aria-label": _("Punkt geben: {text}", { text: target.text }),
          disabled: remaining === 0 || own >= step.max_per_card, onclick: () => vote("vote.add") }, "+"));
      return target.card ? ui.cardItem(target.card, row)
        : h("li", { class: "card", "data-cluster-id": target.id }, h("p", { class: "card-text", text: target.text }), row);
    })),
  ];
}

function consoleBoard(state, s, ui) {
  const { h, _ } = ui;
  const totals = (state.activity[s.key] || {}).totals || {};
  const spent = Object.values(totals).reduce((a, b) => a + b, 0);
  const points = (n) => (n === 1 ? _("1 Punkt") : _("{n} Punkte", { n }));
  const targets = voteTargets(state, s).sort((a, b) => (totals[b.id] || 0) - (totals[a.id] || 0) || a.id - b.id);
  return [h("p", {}, _("{spent} Punkte vergeben · Budget {budget} pro Person, höchstens {max_per_card} pro Beitrag", { spent, budget: s.budget, max_per_card: s.max_per_card })
    + (s.hidden && !(state.runtime[s.key] || {}).revealed ? _(" · für die Gruppe verborgen bis zum Aufdecken") : "")),
  h("ol", { class: "cards ranked" }, targets.map((x) => (x.card ? ui.cardItem(x.card, points(totals[x.id] || 0))
    : h("li", { class: "card" }, h("span", { class: "card-text", text: x.text }), h("p", { class: "card-votes" }, points(totals[x.id] || 0))))))];
}

export function voteResults(state, step) {
  const totals = (state.activity[step.key] && state.activity[step.key].totals) || {};
  const targets = voteTargets(state, step).map((x) => ({ label: x.text, value: totals[x.id] || 0, key: x.id }));
  targets.sort((a, b) => b.value - a.value || a.key - b.key);
  return barList(targets);
}

export default {
  type: "dot_vote",
  label: ({ _ }) => _("Punkte vergeben"),
  selectable: true,
  revealable: (step) => !!step.hidden,
  phone: phoneBoard,
  projector(state, step, ui) {
    if (step.hidden && !(state.runtime[step.key] || {}).revealed) {
      return [ui.h("p", { class: "big-count" }, ui._("Abstimmung läuft – das Ergebnis wird aufgedeckt."))];
    }
    return [voteResults(state, step)];
  },
  console: consoleBoard,
  events: {
    "vote.changed": (s, p, e) => {
      const a = activityOf(s, p.step_key);
      if (e.own) {
        // Our own points on the target, and what is left of our budget.
        const target = e.own.card_id ?? e.own.cluster_id;
        a.mine = { ...(a.mine || {}), [target]: e.own.mine };
        a.remaining = e.own.remaining;
        return;
      }
      if (!p.redacted) (a.totals = a.totals || {})[p.target_id] = p.total;
    },
  },
};
