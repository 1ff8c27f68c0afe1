// The UI texts of the page's language: the server embeds the catalog of the JS strings
// (<script type="application/json" id="i18n">); the German text is the key and the fallback.
const node = document.getElementById("i18n");
const catalog = node ? JSON.parse(node.textContent || "{}") : {};

export function _(text, params = {}) {
  const translated = catalog[text] || text;
  return translated.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole));
}

export const lang = document.documentElement.lang || "de";

// The instance's one time zone (<body data-time-zone>, workshop/timezone.py): a clock time a page
// writes is the same as on every other screen and in the protocol, whatever the device is set to.
const timeZone = (document.body && document.body.dataset.timeZone) || undefined;

export function clockTime(date) {
  return date.toLocaleTimeString(lang, { hour: "2-digit", minute: "2-digit", timeZone });
}

export function formatNumber(value) {
  return new Intl.NumberFormat(lang).format(value);
}

// Error acks carry an English message for developers; people see the text for the code
// (tests/test_room_language.py checks that every code the server raises has one).
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
  card_not_found: () => _("Diesen Beitrag gibt es nicht (mehr)."),
  not_found: () => _("Diesen Eintrag gibt es nicht (mehr)."),
  not_your_card: () => _("Nur wer den Beitrag geschrieben hat, kann ihn ändern."),
  too_many_cards: () => _("Sie haben die Höchstzahl an Beiträgen erreicht."),
  card_not_votable: () => _("Für diesen Beitrag kann man nicht abstimmen."),
  budget_exhausted: () => _("Alle Ihre Punkte sind vergeben."),
  card_max_reached: () => _("Dieser Beitrag hat schon die höchste Punktzahl von Ihnen."),
  no_vote_to_remove: () => _("Auf diesem Beitrag ist kein Punkt von Ihnen."),
  nothing_to_capture: () => _("Der Schritt hat noch kein Ergebnis."),
  step_locked: () => _("Die Moderation hat die Eingabe pausiert."),
  timer_running: () => _("Der Timer läuft schon."),
  timer_not_running: () => _("Der Timer läuft nicht."),
  measure_locked: () => _("Die Maßnahme ist gesperrt: erst wiedereröffnen."),
  too_long: () => _("Der Text ist zu lang."),
  too_large: () => _("Der Text ist zu lang."),
  duplicate_op_id: () => _("Das wurde schon gesendet."),
  internal: () => _("Fehler auf dem Server; nichts wurde geändert."),
  // co-drafting (/draft)
  saving_paused: () => _("Speichern pausiert: Die Datenbank antwortet gerade nicht. Ihre Eingabe wird gleich noch einmal gesendet."),
  missing_predecessor: () => _("Eine frühere Änderung fehlt dem Server noch; der Text wird neu abgeglichen."),
  update_too_large: () => _("Die Änderung ist zu groß für einmal; bitte in Teilen einfügen."),
  invalid_update: () => _("Die Änderung ist kein gültiger Text des Dokuments."),
  unknown_field: () => _("Dieses Feld gibt es im Steckbrief nicht."),
  field_not_drafted: () => _("Dieses Feld wird im Formular des Steckbriefs bearbeitet."),
  not_joined: () => _("Das Dokument ist noch nicht verbunden."),
  measure_not_found: () => _("Die Maßnahme gibt es nicht (mehr)."),
  already_revealed: () => _("Das ist schon aufgedeckt."),
  card_not_clusterable: () => _("Dieser Beitrag lässt sich hier nicht zuordnen."),
  card_not_visible: () => _("Nur ein Beitrag, den alle sehen, kann in den Fokus."),
  cluster_not_found: () => _("Diesen Cluster gibt es nicht (mehr)."),
  suggestion_outdated: () => _("Ein Beitrag dieses Vorschlags ist schon in einem Cluster: bitte neu berechnen."),
  not_mergeable: () => _("Nur sichtbare Beiträge eines Sammel-Schritts lassen sich zusammenführen."),
  not_same_step: () => _("Nur Beiträge desselben Schritts lassen sich zusammenführen."),
  not_revealed: () => _("Beiträge einer stillen Phase erst nach dem Aufdecken zusammenführen."),
  merge_not_found: () => _("Diese Zusammenführung gibt es nicht (mehr)."),
  merged_since: () => _("Diese Beiträge wurden seitdem weiter zusammengeführt: erst das aufheben."),
  card_merged: () => _("Dieser Beitrag wurde mit einem anderen zusammengeführt und steht dort als Variante. Ändern lässt er sich erst, wenn die Moderation die Zusammenführung aufhebt."),
  card_has_variants: () => _("In diesen Beitrag wurden andere zusammengeführt; bitte die Moderation fragen."),
  // table groups (activities/tables.py, harvest.py)
  not_seated: () => _("Bitte setzen Sie sich zuerst an einen Tisch."),
  unknown_table: () => _("Diesen Tisch gibt es in diesem Schritt nicht."),
  seating_by_facilitator: () => _("In diesem Schritt teilt die Moderation die Tische zu."),
  already_seated: () => _("Das ist schon so."),
  participant_not_found: () => _("Diese Person ist nicht (mehr) in der Sitzung."),
  nobody_to_seat: () => _("Alle sitzen schon an einem Tisch."),
  not_table_host: () => _("Das darf nur die Gastgeber:in dieses Tisches."),
  table_has_host: () => _("Dieser Tisch hat schon eine Gastgeber:in."),
  not_at_table: () => _("Diese Person sitzt nicht an diesem Tisch."),
  last_round: () => _("Das war schon die letzte Runde."),
  card_not_at_table: () => _("Dieser Beitrag liegt auf keinem Tisch dieses Schritts."),
  picks_full: () => _("Der Tisch hat schon die Höchstzahl an Kernpunkten markiert; nehmen Sie erst einen zurück."),
  nothing_to_harvest: () => _("Alle Kernpunkte der Tische sind schon im Plenum."),
  invalid_value: () => _("Dieser Wert ist hier nicht möglich."),
  item_not_found: () => _("Diese Aufgabe gibt es nicht (mehr)."),
  no_rating: () => _("Sie haben hier noch nicht bewertet."),
  not_pending: () => _("Dieser Beitrag wartet nicht auf Freigabe."),
  not_your_item: () => _("Nur wer die Aufgabe eingetragen hat, kann sie ändern."),
  rate_limited: () => _("Zu viele Eingaben auf einmal – bitte einen Moment warten."),
  not_practice: () => _("Das geht nur in einer Übung."),
  too_many_bots: () => _("Höchstens 200 simulierte Teilnehmende je Sitzung."),
  timer_not_started: () => _("Bitte zuerst den Timer starten."),
  too_many_clusters: () => _("Es gibt schon die Höchstzahl an Clustern."),
  too_many_items: () => _("Es gibt schon die Höchstzahl an Aufgaben."),
  unknown_column: () => _("Diesen Bereich gibt es in diesem Schritt nicht."),
  unknown_event: () => _("Das versteht der Server nicht; bitte die Seite neu laden."),
  unknown_op: () => _("Das versteht der Server nicht; bitte die Seite neu laden."),
  unknown_step: () => _("Diesen Schritt gibt es in dieser Sitzung nicht."),
  file_not_found: () => _("Diese Datei gehört nicht zu diesem Schritt."),
};

export function errorText(error) {
  if (!error) return _("keine Antwort");
  if (error.texts && error.texts[lang]) return error.texts[lang];  // the server's own sentence (record refusals)
  const text = ERRORS[error.code];
  return text ? text() : _("Das ging gerade nicht; nichts wurde geändert.");
}
