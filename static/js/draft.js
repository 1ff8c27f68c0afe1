// Co-drafting the record: one Y.Doc per field, bound to its <textarea>, synchronised with the
// server's pycrdt documents over Socket.IO (namespace /draft). Protocol: docs/realtime.md.
import * as Y from "../vendor/yjs.bundle.js";
import { _, clockTime, errorText } from "./i18n.js";

const app = document.getElementById("draft-app");
const measureId = Number(app.dataset.measureId);
const connEl = document.getElementById("conn");
const errorEl = document.getElementById("draft-error");
const LOCAL = "local";
const REMOTE = "remote";

const fields = new Map(); // field key -> {key, area, doc, text, value, synced}
const presence = new Map(); // sid -> {user, field_key}
let locked = false;
let joined = false;
let target = null; // the field cards are pulled into: the one last focused

function b64encode(bytes) {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}
function b64decode(text) {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

function showError(message) {
  errorEl.textContent = message;
  errorEl.hidden = !message;
}

function newField(key, area) {
  const doc = new Y.Doc();
  const field = { key, area, doc, text: doc.getText("text"), value: "", synced: false };
  doc.on("update", (update, origin) => { if (origin !== REMOTE) send(field, update); });
  return field;
}

// --- typing → Y.Text: the smallest delete + insert that turns the old value into the new one ---
function onInput(field) {
  const before = field.value;
  const after = field.area.value;
  let prefix = 0;
  const max = Math.min(before.length, after.length);
  while (prefix < max && before[prefix] === after[prefix]) prefix++;
  let suffix = 0;
  while (suffix < max - prefix && before[before.length - 1 - suffix] === after[after.length - 1 - suffix]) suffix++;
  // never split a surrogate pair (emoji): widen the changed range instead
  if (prefix > 0 && isHighSurrogate(before.charCodeAt(prefix - 1))) prefix--;
  if (suffix > 0 && isLowSurrogate(before.charCodeAt(before.length - suffix))) suffix--;
  field.doc.transact(() => {
    const removed = before.length - prefix - suffix;
    if (removed > 0) field.text.delete(prefix, removed);
    const inserted = after.slice(prefix, after.length - suffix);
    if (inserted) field.text.insert(prefix, inserted);
  }, LOCAL);
  field.value = field.text.toString();
}
const isHighSurrogate = (c) => c >= 0xd800 && c <= 0xdbff;
const isLowSurrogate = (c) => c >= 0xdc00 && c <= 0xdfff;

// --- Y.Text → textarea, keeping the caret where it was relative to the text around it ----------
function applyRemote(field, update) {
  const area = field.area;
  const focused = document.activeElement === area;
  let start = null;
  let end = null;
  if (focused) {
    start = Y.createRelativePositionFromTypeIndex(field.text, area.selectionStart);
    end = Y.createRelativePositionFromTypeIndex(field.text, area.selectionEnd);
  }
  Y.applyUpdate(field.doc, update, REMOTE);
  const value = field.text.toString();
  if (value === area.value) { field.value = value; return; }
  area.value = value;
  field.value = value;
  if (focused) {
    const a = Y.createAbsolutePositionFromRelativePosition(start, field.doc);
    const b = Y.createAbsolutePositionFromRelativePosition(end, field.doc);
    if (a && b) area.setSelectionRange(a.index, b.index);
  }
}

// --- sending and syncing ------------------------------------------------------------------------
// Each field keeps one Y.Doc for the life of the page: what the person sees is that document.
// An update the server could not store (database away) or could not place (its predecessor never
// arrived) is not lost and not re-typed: the doc keeps it, and the next sync (Yjs sync protocol:
// our state vectors → the server's diff and state vector → our diff) sends exactly what the server
// lacks, so nothing is doubled. Only a refusal for good (too long, locked, invalid) resets a field to
// the server's document.
const TRANSIENT = new Set(["saving_paused", "missing_predecessor", "internal", "rate_limited"]);
let paused = false;
let retry = null;
let unsent = false; // typed while updates were held back (paused, offline): the next sync sends it

function emitUpdate(field, update, done) {
  const doc = field.doc;
  socket.emit("draft.update", { measure_id: measureId, field_key: field.key, update: b64encode(update) },
    (ack) => { if (field.doc === doc) done(ack || { ok: false, error: { code: "internal" } }); });
}

function send(field, update) {
  if (!joined || paused || !socket.connected) { unsent = true; return; } // the next sync sends it
  emitUpdate(field, update, (ack) => { if (!ack.ok) refused(field, ack); });
}

function refused(field, ack) {
  if (TRANSIENT.has(ack.error && ack.error.code)) { pause(); return; }
  showError(ack.error.code === "measure_locked"
    ? _("Die Maßnahme ist mandatiert: Änderungen sind erst nach dem Wiedereröffnen möglich.")
    : _("Nicht übernommen: {message}", { message: errorText(ack.error) }));
  reset(field); // what the server refused for good must not stay on this screen
}

function setPaused(on) {
  paused = on;
  document.getElementById("saving-paused").hidden = !on;
}

function pause() {
  if (!paused) setPaused(true);
  clearTimeout(retry);
  retry = setTimeout(join, 2000);
}

function reset(field) {
  const fresh = newField(field.key, field.area);
  fields.set(field.key, fresh);
  field.doc.destroy();
  field.area.disabled = true; // until the server's document is in
  join();
}

// Yjs sync step 1 (our state vectors); the answer is step 2 (what we lack + the server's state
// vector), from which we send what the server lacks.
function join() {
  clearTimeout(retry);
  const stateVectors = {};
  for (const field of fields.values()) {
    if (field.synced) stateVectors[field.key] = b64encode(Y.encodeStateVector(field.doc));
  }
  socket.emit("draft.join", { measure_id: measureId, state_vectors: stateVectors }, (ack) => {
    if (!ack || !ack.ok) {
      if (ack && TRANSIENT.has(ack.error && ack.error.code)) { pause(); return; }
      showError(_("Verbindung zum Dokument fehlgeschlagen: {value}", { value: errorText(ack && ack.error) }));
      return;
    }
    joined = true;
    unsent = false; // everything typed until now goes out below as `missing`
    setStatus(ack.status_label, ack.locked);
    presence.clear();
    for (const p of ack.presence) presence.set(p.sid, p);
    renderPresence();
    let waiting = 0;
    let failed = false;
    const settled = () => {
      if (waiting > 0 || failed) return;
      if (unsent && paused) join(); // typed while this sync ran: one more round
      else if (paused) setPaused(false);
    };
    for (const [key, state] of Object.entries(ack.fields)) {
      const field = fields.get(key);
      if (!field) continue;
      applyRemote(field, b64decode(state.update));
      field.synced = true;
      const missing = Y.encodeStateAsUpdate(field.doc, b64decode(state.state_vector));
      // (deletions do not show in state vectors: the whole delete set goes along; the server
      // stores nothing it already has)
      if (locked || missing.length <= 2) continue;
      waiting++;
      emitUpdate(field, missing, (answer) => {
        waiting--;
        if (!answer.ok) { failed = true; refused(field, answer); }
        settled();
      });
    }
    settled();
    if (target) awareness(target);
    setEnabled(true);
  });
}

function awareness(key) {
  if (!joined) return;
  const field = key && fields.get(key);
  socket.emit("draft.awareness", {
    measure_id: measureId, field_key: key || null,
    cursor: field ? { index: field.area.selectionStart, length: field.area.selectionEnd - field.area.selectionStart } : null,
  }, (ack) => { if (ack && !ack.ok) showError(errorText(ack.error)); });
}

// --- page state ------------------------------------------------------------------------------
function setStatus(label, isLocked) {
  locked = isLocked;
  document.getElementById("measure-status").textContent = label;
  document.getElementById("lock-note").hidden = !isLocked;
  setEnabled(socket.connected && joined);
}

function setEnabled(on) {
  for (const field of fields.values()) field.area.disabled = !on || locked;
  for (const button of document.querySelectorAll("button.pull")) button.disabled = !on || locked || !target;
}

function renderPresence() {
  const byField = new Map();
  for (const p of presence.values()) {
    if (!p.field_key) continue;
    if (!byField.has(p.field_key)) byField.set(p.field_key, []);
    const field = fields.get(p.field_key);
    // where the caret is, as a line number (an index may be a little off while both type)
    const line = field && p.cursor ? field.value.slice(0, p.cursor.index).split("\n").length : null;
    byField.get(p.field_key).push(line ? `${p.user.name} (Z. ${line})` : p.user.name);
  }
  for (const el of document.querySelectorAll("[data-presence]")) {
    const names = byField.get(el.dataset.presence) || [];
    el.textContent = names.length ? `✎ ${names.join(", ")}` : "";
    el.closest(".draft-field").classList.toggle("others-here", names.length > 0);
  }
}

// --- wiring ----------------------------------------------------------------------------------
for (const area of document.querySelectorAll("textarea[data-field]")) {
  const key = area.dataset.field;
  fields.set(key, newField(key, area));
  area.addEventListener("input", () => onInput(fields.get(key)));
  // A one-line record field (data-one-line) takes no line break: Enter would be refused anyway.
  if (area.dataset.oneLine !== undefined) area.addEventListener("keydown", (e) => { if (e.key === "Enter") e.preventDefault(); });
  area.addEventListener("focus", () => {
    target = key;
    document.getElementById("pull-target")?.replaceChildren(area.labels[0]?.textContent || key);
    setEnabled(socket.connected && joined);
    awareness(key);
  });
  area.addEventListener("blur", () => awareness(null));
  let pending = null;
  area.addEventListener("keyup", () => {
    clearTimeout(pending);
    pending = setTimeout(() => awareness(key), 300);
  });
}

for (const button of document.querySelectorAll("button.pull")) {
  button.addEventListener("click", () => {
    if (!target) return;
    socket.emit("draft.pull_card", { measure_id: measureId, field_key: target, card_id: Number(button.dataset.cardId) },
      (ack) => { if (!ack || !ack.ok) showError(_("Karte nicht eingefügt: {value}", { value: errorText(ack && ack.error) })); else showError(""); });
  });
}

const socket = io("/draft");
socket.on("connect", () => {
  connEl.textContent = _("verbunden");
  connEl.className = "conn ok";
  join();
});
socket.on("disconnect", () => {
  joined = false;
  clearTimeout(retry);
  connEl.textContent = _("getrennt – Änderungen werden nachgereicht");
  connEl.className = "conn bad";
  presence.clear();
  renderPresence();
});
socket.on("connect_error", (error) => {
  connEl.textContent = _("keine Verbindung ({message})", { message: error.message });
  connEl.className = "conn bad";
});
socket.on("draft.update", (msg) => {
  const field = fields.get(msg.field_key);
  // also before the join's answer: Yjs keeps an update whose predecessors have not arrived yet
  if (msg.measure_id === measureId && field) applyRemote(field, b64decode(msg.update));
});
socket.on("draft.presence", (msg) => {
  if (msg.measure_id !== measureId) return;
  if (msg.field_key === null) presence.delete(msg.sid);
  else presence.set(msg.sid, msg);
  renderPresence();
  // someone joined (maybe on another server process, whose join answer cannot list us): say where we are
  const here = [...fields.values()].find((f) => f.area === document.activeElement);
  if (msg.joined && here) awareness(here.key);
});
socket.on("draft.saved", (msg) => {
  const el = document.querySelector(`[data-saved="${CSS.escape(msg.field_key)}"]`);
  if (el) el.textContent = _("im Steckbrief gespeichert {value}", { value: clockTime(new Date()) });
});
socket.on("draft.status", (msg) => { if (msg.measure_id === measureId) setStatus(msg.label, msg.locked); });
