// The UI texts of the page's language: the server embeds the catalog of the JS strings
// (<script type="application/json" id="i18n">); the German text is the key and the fallback.
const node = document.getElementById("i18n");
const catalog = node ? JSON.parse(node.textContent || "{}") : {};

export function _(text, params = {}) {
  const translated = catalog[text] || text;
  return translated.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole));
}

export const lang = document.documentElement.lang || "de";

export function formatNumber(value) {
  return new Intl.NumberFormat(lang).format(value);
}

// Error acks carry an English message for developers; people see the text for the code.
const ERRORS = {
  invalid: () => _("Die Eingabe ist ungültig."),
  forbidden: () => _("Das ist Ihnen hier nicht erlaubt."),
  not_connected: () => _("Keine Verbindung zur Sitzung."),
  session_not_found: () => _("Die Sitzung gibt es nicht mehr."),
  session_not_started: () => _("Die Sitzung hat noch nicht begonnen."),
  session_ended: () => _("Die Sitzung ist beendet."),
  wrong_session_state: () => _("Das geht in diesem Stand der Sitzung nicht."),
  step_not_active: () => _("Dieser Schritt ist nicht mehr aktiv."),
  wrong_step_type: () => _("Dieser Schritt nimmt das nicht an."),
  card_not_found: () => _("Diese Karte gibt es nicht (mehr)."),
  not_your_card: () => _("Nur wer die Karte geschrieben hat, kann sie ändern."),
  too_many_cards: () => _("Sie haben die Höchstzahl an Karten erreicht."),
  card_not_votable: () => _("Für diese Karte kann man nicht abstimmen."),
  budget_exhausted: () => _("Alle Ihre Punkte sind vergeben."),
  card_max_reached: () => _("Diese Karte hat schon die höchste Punktzahl von Ihnen."),
  no_vote_to_remove: () => _("Auf dieser Karte ist kein Punkt von Ihnen."),
  nothing_to_capture: () => _("Der Schritt hat noch kein Ergebnis."),
  step_locked: () => _("Die Moderation hat die Eingabe pausiert."),
  timer_running: () => _("Der Timer läuft schon."),
  timer_not_running: () => _("Der Timer läuft nicht."),
  measure_locked: () => _("Die Maßnahme ist gesperrt: erst wiedereröffnen."),
  too_long: () => _("Der Text ist zu lang."),
  too_large: () => _("Der Text ist zu lang."),
  duplicate_op_id: () => _("Das wurde schon gesendet."),
  internal: () => _("Fehler auf dem Server; nichts wurde geändert."),
  saving_paused: () => _("Speichern ist gerade pausiert; Ihre Eingabe wird gleich noch einmal gesendet."),
  rate_limited: () => _("Zu viele Nachrichten – bitte einen Moment warten."),
};

export function errorText(error) {
  if (!error) return _("keine Antwort");
  const text = ERRORS[error.code];
  return text ? text() : error.message;
}
