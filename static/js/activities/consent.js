// Consent (systemic consensing): each person rates their resistance 0–10 per option; the result
// is revealed together.
import { activityOf, visibleCards } from "../live.js";
import { consentResult, optionText } from "../widgets.js";

function phoneBoard(state, step, ui) {
  const { h, _ } = ui;
  const activity = state.activity[step.key] || {};
  if (activity.result) return [consentResult(state, step)];
  const mine = activity.mine || {};
  return [
    h("p", { class: "meta" }, _("0 = kein Widerstand, 10 = starker Widerstand. Ihre Bewertung bleibt verborgen, bis die Moderation aufdeckt.")),
    h("ul", { class: "cards" }, visibleCards(state, step.key).map((option) => {
      const value = mine[option.id];
      const set = (v) => ui.send(v === null ? "rating.clear" : "rating.set", v === null ? { card_id: option.id } : { card_id: option.id, value: v });
      const text = optionText(step, option);
      return h("li", { class: "card", "data-card-id": option.id },
        h("p", { class: "card-text", text }),
        h("fieldset", { class: "scale" }, h("legend", { class: "visually-hidden" }, _("Widerstand gegen: {text}", { text })),
          Array.from({ length: 11 }, (_slot, v) => h("button", { type: "button", class: `scale-btn${value === v ? " chosen" : ""}`,
            "aria-pressed": value === v ? "true" : "false", "aria-label": _("Widerstand {v}", { v }), onclick: () => set(v) }, String(v)))),
        value !== undefined ? h("button", { type: "button", class: "link", onclick: () => set(null) }, _("Bewertung zurücknehmen (Enthaltung)")) : null);
    })),
  ];
}

export default {
  type: "consent",
  label: ({ _ }) => _("Konsent"),
  help: ({ _ }) => _("Sagen Sie zu jeder Möglichkeit, wie viel Widerstand Sie haben: 0 heißt keiner, 10 heißt sehr viel. Es gewinnt die Möglichkeit mit dem wenigsten Widerstand. Wenn Sie nichts wählen, enthalten Sie sich."),
  revealable: () => true,
  consoleAdds: (step, runtime) => (runtime.revealed ? null : "consent.option_add"),
  phone: phoneBoard,
  projector(state, step, ui) {
    const { h } = ui;
    return [h("div", {}, h("ul", { class: "cards" }, visibleCards(state, step.key).map((o) => h("li", { class: "card", "data-card-id": o.id },
      h("span", { class: "card-text", text: optionText(step, o) })))), consentResult(state, step))];
  },
  console(state, s, ui) {
    const { h, _ } = ui;
    return [h("ul", { class: "cards" }, visibleCards(state, s.key).map((o) => h("li", { class: "card" },
      h("span", { class: "card-text", text: optionText(s, o) }), o.column_key === "passive" ? h("p", { class: "card-author" }, _("immer dabei")) : null))),
    consentResult(state, s)];
  },
  events: {
    "rating.changed": (s, p, e) => {
      const a = activityOf(s, p.step_key);
      if (e.own) {
        const mine = { ...(a.mine || {}) };
        if (e.own.value === null) delete mine[e.own.card_id]; else mine[e.own.card_id] = e.own.value;
        a.mine = mine;
        return;
      }
      a.raters = p.raters;
    },
  },
};
