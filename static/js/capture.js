// Capture into the measure record, from the facilitator's console — a capture cannot surprise:
// no field is preselected where the step names none, append is the default, the console first
// shows what each field will hold afterwards (GET …/capture-preview writes nothing), and the
// last capture can be undone in one click (record.undo: a new revision of kind undo).
import { _, errorText } from "./i18n.js";
import { fill, h, t } from "./live.js";
import { activityFor } from "./activities/index.js";

const $ = (id) => document.getElementById(id);
const columnFields = (s) => (s.columns || []).some((c) => c.field);
// A cluster step, or a vote on one: each cluster is one line, its title or its title with its cards.
const onClusters = (s, steps) => s.type === "cluster"
  || (s.type === "dot_vote" && (steps.find((x) => x.key === s.source) || {}).type === "cluster");

// The session's field map (set when it was created): the format's field -> this record's ("" = none).
const fieldMapNode = document.getElementById("field-map");
const fieldMap = fieldMapNode ? JSON.parse(fieldMapNode.textContent || "{}") : {};
const mapped = (key) => (key in fieldMap ? fieldMap[key] : key);

export function initCapture({ send, showError, clearError, currentStep, fields, selected, sessionId, afterCapture }) {
  const label = (key) => (fields.find((f) => f.key === key) || {}).label || _("kein Feld");
  let stepKey = null;
  let pending = null; // the payload whose preview is shown
  let lastCapture = null; // { revision_ids } of the last capture, for undo

  fill($("capture-field"), h("option", { value: "" }, _("– Feld wählen –")),
    ...fields.map((f) => h("option", { value: f.key }, f.label)));

  function payloadFor(cardIds) {
    const s = currentStep();
    const payload = { step_key: s.key, mode: $("capture-append").checked ? "append" : "replace" };
    if ($("capture-field").value) payload.field_key = $("capture-field").value;
    if (cardIds) payload.card_ids = cardIds;
    if (!$("capture-shape").hidden) payload.clusters = $("capture-as").value;
    return payload;
  }

  function hidePreview() {
    pending = null;
    $("capture-preview").hidden = true;
    fill($("capture-preview-fields"));
  }

  async function preview(cardIds) {
    clearError();
    const payload = payloadFor(cardIds);
    const query = new URLSearchParams({ step_key: payload.step_key, mode: payload.mode });
    if (payload.field_key) query.set("field_key", payload.field_key);
    if (payload.card_ids) query.set("card_ids", payload.card_ids.join(","));
    if (payload.clusters) query.set("clusters", payload.clusters);
    let answer;
    try {
      const response = await fetch(`/sessions/${sessionId}/capture-preview?${query}`, { credentials: "same-origin" });
      answer = await response.json();
    } catch {
      answer = { ok: false, error: { code: "not_connected" } };
    }
    if (!answer.ok) {
      hidePreview();
      showError(errorText(answer.error));
      return;
    }
    pending = payload;
    fill($("capture-preview-fields"), ...answer.fields.map((f) => {
      const added = new Set(f.after.slice(f.after.length - f.added));
      return h("div", { class: "capture-preview-field", "data-field-key": f.field_key },
        h("h3", {}, f.field_label),
        h("p", { class: "meta" }, f.mode === "append"
          ? _("wird angehängt: {added} neue Zeile(n), {kept} bleiben", { added: f.added, kept: f.before.length })
          : _("ersetzt den bisherigen Inhalt ({before} Zeile(n))", { before: f.before.length })),
        h("p", { class: "eyebrow" }, _("Danach steht im Feld:")),
        f.after.length ? h("ul", {}, f.after.map((line) => h("li", { class: added.has(line) ? "added" : "", text: line })))
          : h("p", { class: "empty" }, _("(leer)")));
    }));
    $("capture-preview").hidden = false;
    $("capture-confirm").focus();
  }

  async function confirm() {
    if (!pending) return;
    const payload = pending;
    hidePreview();
    const ack = await send("record.capture", payload);
    if (!ack.ok) return;
    lastCapture = { revision_ids: ack.result.revision_ids || [] };
    $("capture-result").textContent = ack.result.changed
      ? _("{lines} Zeile(n) in {fields} Feld(er) übernommen.", { lines: ack.result.added, fields: ack.result.fields.length })
      : _("Nichts Neues: Das Feld enthielt das schon.");
    $("capture-undo").hidden = !lastCapture.revision_ids.length;
    selected.clear();
    afterCapture();
  }

  async function undo() {
    if (!lastCapture) return;
    const ack = await send("record.undo", { revision_ids: lastCapture.revision_ids });
    if (!ack.ok) return;
    lastCapture = null;
    $("capture-undo").hidden = true;
    $("capture-result").textContent = _("Rückgängig gemacht: Das Feld hat wieder seinen vorigen Inhalt.");
    afterCapture();
  }

  $("capture-top").addEventListener("click", () => preview(null));
  $("capture-selected").addEventListener("click", () => {
    if (!selected.size) return showError(_("Bitte zuerst Karten auswählen."));
    return preview([...selected]);
  });
  $("capture-confirm").addEventListener("click", confirm);
  $("capture-cancel").addEventListener("click", hidePreview);
  $("capture-undo").addEventListener("click", undo);
  ["capture-field", "capture-append", "capture-as"].forEach((id) => $(id).addEventListener("change", hidePreview));

  return function render(s, state) {
    if (stepKey !== s.key) {
      // A new step brings its own defaults: the field it names (or none) and whether it appends.
      stepKey = s.key;
      const target = mapped((s.capture || {}).field || "");
      $("capture-field").value = !columnFields(s) && target && fields.some((f) => f.key === target) ? target : "";
      const configured = s.capture || {};
      $("capture-append").checked = configured.mode !== "replace";
      $("capture-result").textContent = "";
      $("capture-undo").hidden = true;
      lastCapture = null;
      hidePreview();
      selected.clear();
      $("capture-as").value = "titles";
    }
    $("capture-shape").hidden = !onClusters(s, state.steps);
    const configured = s.capture || {};
    const perColumn = columnFields(s);
    $("capture").hidden = activityFor(s).captures === false;
    $("capture-top").textContent = perColumn ? _("Jede Spalte in ihr Feld übernehmen")
      : configured.top ? _("Top {top} übernehmen", { top: configured.top }) : _("Ergebnis übernehmen");
    $("capture-hint").textContent = perColumn
      ? _("Spalten → Felder: {pairs}", { pairs: s.columns.filter((c) => c.field).map((c) => `${t(c.title)} → ${label(mapped(c.field))}`).join(" · ") })
      : mapped(configured.field || "") ? _("Vorgesehen: „{value}“.", { value: label(mapped(configured.field)) })
        : _("Dieser Schritt sieht kein Feld vor: bitte ein Feld wählen.");
    // a vote on clusters has no cards to tick
    $("capture-selected").hidden = !activityFor(s).selectable || onClusters(s, state.steps);
  };
}
