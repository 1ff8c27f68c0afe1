// Summary: shows what has been captured into the record; nobody adds anything.
import { t } from "../live.js";
import { capturedFields } from "../widgets.js";

function captured(state, ui) {
  const { h } = ui;
  return capturedFields(state).map((c) => h("section", { class: "column" },
    h("h2", { text: t(c.field_label) || c.field_key }), h("ul", {}, c.lines.map((line) => h("li", { text: line })))));
}

export default {
  type: "summary",
  label: ({ _ }) => _("Zusammenfassung"),
  help: ({ _ }) => _("Hier sehen Sie, was die Gruppe für die Maßnahme festgehalten hat. Sie müssen nichts eingeben."),
  captures: false, // nothing to take into the record: it shows the record
  phone: (state, step, ui) => captured(state, ui),
  projector: (state, step, ui) => captured(state, ui),
  console: () => [], // the console shows the captured fields in its own panel
};
