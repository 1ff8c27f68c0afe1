// Action items: who does what by when; participants and the facilitator add them.
import { activityOf } from "../live.js";
import { actionList } from "../widgets.js";

export default {
  type: "action_items",
  label: ({ _ }) => _("Aufgaben"),
  help: ({ _ }) => _("Tragen Sie ein, was zu tun ist, wer es übernimmt und bis wann. Ihre eigenen Einträge können Sie wieder löschen."),
  phone(state, step, ui) {
    const { h, _ } = ui;
    const mine = (state.activity[step.key] && state.activity[step.key].mine) || [];
    const who = h("input", { id: "action-who", maxlength: 200, required: true });
    const what = h("input", { id: "action-what", maxlength: 1000, required: true });
    const due = h("input", { id: "action-due", type: "date" });
    return [
      h("form", { class: "stack", onsubmit: async (e) => {
        e.preventDefault();
        const ack = await ui.send("action.add", { who: who.value, what: what.value, due: due.value || null });
        if (ack.ok) ui.clearFields(["action-who", "action-what", "action-due"]);
      } }, h("label", { for: "action-what" }, _("Was ist zu tun?")), what, h("label", { for: "action-who" }, _("Wer?")), who,
      h("label", { for: "action-due" }, _("Bis wann? (optional)")), due, h("button", { type: "submit", class: "primary big" }, _("Aufgabe hinzufügen"))),
      actionList(state, step, (item) => (mine.includes(item.id)
        ? h("button", { type: "button", onclick: () => ui.send("action.delete", { item_id: item.id }) }, _("Löschen")) : null)),
    ];
  },
  projector: (state, step) => [actionList(state, step)],
  console(state, s, ui) {
    const { h, _ } = ui;
    // Who may write (facilitators, minute-takers) gets the form and "Löschen"; an observer reads.
    if (!ui.may.notes) return [actionList(state, s)];
    const who = h("input", { id: "fac-action-who", maxlength: 200, required: true });
    const what = h("input", { id: "fac-action-what", maxlength: 1000, required: true });
    const due = h("input", { id: "fac-action-due", type: "date" });
    const field = (id, label, input) => h("div", { class: "field" }, h("label", { for: id }, label), input);
    return [h("form", { class: "action-form", onsubmit: async (e) => { e.preventDefault();
      const ack = await ui.send("action.add", { who: who.value, what: what.value, due: due.value || null });
      if (ack.ok) ui.clearFields(["fac-action-who", "fac-action-what", "fac-action-due"]); } },
    field("fac-action-what", _("Was ist zu tun?"), what), field("fac-action-who", _("Wer?"), who),
    field("fac-action-due", _("Bis wann? (optional)"), due), h("button", { type: "submit" }, _("Aufgabe hinzufügen"))),
    actionList(state, s, (item) => h("button", { type: "button", class: "link", onclick: () => ui.send("action.delete", { item_id: item.id }) }, _("Löschen")))];
  },
  events: {
    "action.added": (s, p, e) => {
      if (p.gone) return; // a tombstone in a replay: the item was deleted since
      const a = activityOf(s, p.item.step_key);
      if (e.own) { a.mine = [...(a.mine || []), e.own.item_id]; return; }
      (a.items = a.items || []).push(p.item);
    },
    "action.edited": (s, p, e) => {
      if (e.own || p.gone) return;
      const a = activityOf(s, p.item.step_key);
      a.items = (a.items || []).map((i) => (i.id === p.item.id ? p.item : i));
    },
    "action.deleted": (s, p, e) => {
      const a = activityOf(s, p.step_key);
      if (e.own) { a.mine = (a.mine || []).filter((id) => id !== e.own.item_id); return; }
      a.items = (a.items || []).filter((i) => i.id !== p.item_id);
    },
  },
};
