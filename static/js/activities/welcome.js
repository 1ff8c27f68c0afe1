// Welcome: the room arrives; the projector greets and shows how many are here.
export default {
  type: "welcome",
  help: ({ _ }) => _("Willkommen! Diese Seite zeigt immer den Schritt, an dem die Gruppe gerade arbeitet. Sie müssen nichts neu laden."),
  label: ({ _ }) => _("Begrüßung"),  // the builder's name for the type
  captures: false,  // nothing to put into the record (the builder offers no field either)
  phone(state, step, ui) {
    const { _, h } = ui;
    return [h("p", { class: "prompt" }, _("Schön, dass Sie da sind. Gleich geht es los – dieser Bildschirm folgt der Moderation."))];
  },
  projector(state, step, ui) {
    const { _, h } = ui;
    return [h("p", { class: "big-count" }, _("{value} dabei", { value: state.participants }))];
  },
  console(state, step, ui) {
    const { _, h } = ui;
    return [h("p", {}, _("Begrüßung: {value} Teilnehmende sind verbunden.", { value: state.participants }))];
  },
};
