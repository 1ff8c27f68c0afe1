// Blitzlicht: a one-word round. Each person sends one word or short phrase (and may replace it);
// the projector shows the words, larger the more often they were said.
import { activityOf } from "../live.js";

const wordsOf = (state, step) => (state.activity[step.key] || {}).words || [];

function cloud(state, step, ui) {
  const { h, _ } = ui;
  const words = wordsOf(state, step);
  if (!words.length) return h("p", { class: "meta" }, _("Noch keine Wörter."));
  const max = Math.max(...words.map((w) => w.count));
  return h("ul", { class: "word-cloud" }, words.map((w) => {
    const li = h("li", { class: "word", "data-count": w.count },
      h("span", { class: "card-text", text: w.text }), h("span", { class: "votes" }, String(w.count)));
    li.style.setProperty("--weight", String(w.count / max)); // CSS sizes it from the minimum up
    return li;
  }));
}

export default {
  type: "blitzlicht",
  label: ({ _ }) => _("Blitzlicht"),
  help: ({ _ }) => _("Schreiben Sie ein Wort oder einen kurzen Satz zur Frage oben und tippen Sie auf „Wort senden“. Sie können Ihr Wort später ändern. Wörter, die oft kommen, werden größer gezeigt."),
  phone(state, step, ui) {
    const { h, _ } = ui;
    const mine = (state.activity[step.key] || {}).mine;
    const input = h("input", { id: "blitz-word", maxlength: 40, required: true, autocomplete: "off" });
    input.value = mine || "";
    return [
      h("form", { class: "stack", onsubmit: async (e) => {
        e.preventDefault();
        const ack = await ui.send("blitz.say", { text: input.value });
        if (ack.ok) ui.announce(_("Ihr Wort ist angekommen."));
      } },
      h("label", { for: "blitz-word" }, _("Ihr Wort (oder ein kurzer Satz)")), input,
      h("button", { type: "submit", class: "primary big" }, mine ? _("Wort ändern") : _("Wort senden"))),
      mine ? h("p", { class: "meta" }, _("Ihr Wort: {word}", { word: mine })) : null,
      cloud(state, step, ui),
    ];
  },
  projector: (state, step, ui) => [cloud(state, step, ui)],
  console(state, step, ui) {
    const { h, _ } = ui;
    return [h("p", {}, _("{value} Personen haben ein Wort gesendet.", { value: (state.activity[step.key] || {}).answers || 0 })),
      cloud(state, step, ui)];
  },
  events: {
    "blitz.changed": (s, p, e) => {
      const a = activityOf(s, p.step_key);
      if (e.own) { a.mine = e.own.text; return; }
      a.words = p.words;
      a.answers = p.answers;
    },
  },
};
