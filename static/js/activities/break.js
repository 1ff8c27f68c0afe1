// Break: the projector says until when; nobody is asked for anything.
import { clockTime } from "../i18n.js";

function backAt(state, step) {
  const entered = (state.runtime[step.key] || {}).entered_at;
  if (!entered || !step.timebox_minutes) return null;
  const at = new Date(Date.parse(entered) + step.timebox_minutes * 60000);
  return clockTime(at);
}

function lines(state, step, ui) {
  const { _, h } = ui;
  const at = backAt(state, step);
  return [h("p", { class: "break-clock" }, at ? _("Pause – weiter um {time} Uhr", { time: at })
    : _("Pause – {minutes} Minuten", { minutes: step.timebox_minutes || "–" }))];
}

export default {
  type: "break",
  help: ({ _ }) => _("Jetzt ist Pause. Sie müssen nichts tun. Nach der Pause zeigt diese Seite den nächsten Schritt von selbst."),
  label: ({ _ }) => _("Pause (Kaffee, Luft)"),  // the builder's name for the type
  captures: false,  // nothing to put into the record (the builder offers no field either)
  phone: lines,
  projector: lines,
  console: lines,
};
