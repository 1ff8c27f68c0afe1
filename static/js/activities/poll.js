// Poll: a single- or multiple-choice question (also the fist-of-five check).
import { activityOf } from "../live.js";
import { pollResults } from "../widgets.js";

export default {
  type: "poll",
  label: ({ _ }) => _("Umfrage"),
  help: ({ _ }, step) => (step.multiple
    ? _("Tippen Sie auf die Antworten, die für Sie passen. Sie können mehrere wählen und Ihre Wahl ändern, solange der Schritt läuft.")
    : _("Tippen Sie auf die Antwort, die für Sie passt. Sie können Ihre Wahl ändern, solange der Schritt läuft.")),
  revealable: (step) => !!step.hidden,
  phone(state, step, ui) {
    const { h, t, _ } = ui;
    const activity = state.activity[step.key] || {};
    const mine = activity.mine || [];
    const choose = async (index) => {
      let choices = [index];
      if (step.multiple) choices = mine.includes(index) ? mine.filter((i) => i !== index) : [...mine, index];
      if (!choices.length) return;
      const ack = await ui.send("poll.answer", { choices });
      if (ack.ok) ui.announce(_("Antwort gespeichert."));
    };
    return [
      h("div", { class: "poll-options", role: "group", "aria-label": t(step.title) }, step.options.map((o, i) =>
        h("button", { type: "button", class: `poll-btn${mine.includes(i) ? " chosen" : ""}`,
          "aria-pressed": mine.includes(i) ? "true" : "false", onclick: () => choose(i) }, t(o)))),
      activity.counts ? pollResults(state, step) : null,
    ];
  },
  projector: (state, step) => [pollResults(state, step)],
  console: (state, step) => [pollResults(state, step)],
  events: {
    "poll.changed": (s, p, e) => {
      const a = activityOf(s, p.step_key);
      if (e.own) { a.mine = e.own.choices; return; }
      a.answers = p.answers;
      if (p.counts) a.counts = p.counts;
    },
  },
};
