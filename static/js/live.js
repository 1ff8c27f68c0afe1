import { _ } from "./i18n.js";
import { CARD_EVENTS } from "./activities/cards.js";
// The live connection every page shares: snapshot + ordered events, resync on gaps,
// and an outbox so an operation typed while offline is sent (once) when the link returns.

export function h(tag, attrs = {}, ...children) {
  // Builds DOM without innerHTML: card text is data, never markup.
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === false || value === null || value === undefined) continue;
    if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (key === "class") el.className = value;
    else if (key === "text") el.textContent = value;
    else el.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function t(localized, lang = document.documentElement.lang || "de") {
  if (!localized) return "";
  if (typeof localized === "string") return localized;
  return localized[lang] || localized.de || Object.values(localized)[0] || "";
}

function newOpId() {
  // crypto.randomUUID needs a secure context; phones often join over plain http in a LAN.
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export function activityOf(s, stepKey) {
  return (s.activity[stepKey] = s.activity[stepKey] || {});
}

function runtimeOf(s, stepKey) {
  return (s.runtime[stepKey] = s.runtime[stepKey] || {});
}

// The session's own events; each activity module brings the reducers of its events
// (static/js/activities/*.js, `events`). A reducer is (state, payload, event): it runs once for the
// room's form of an event and, for the client that caused it, once more with `event.own` = its
// ack's result (the parts only the actor may know: its own card in a silent step, its points left).
const SESSION_REDUCERS = {
  "participant.joined": (s, p, e) => {
    if (e.own) return;
    s.participants = p.participants;
    if (s.people) {
      if (p.name) s.people.named.push(p.name);
      else s.people.anonymous += 1;
    }
  },
  "session.started": (s, p, e) => {
    if (e.own) return;
    s.session.status = "live";
    s.session.started_at = p.started_at;
    for (const [key, times] of Object.entries(p.steps || {})) Object.assign(runtimeOf(s, key), times);
  },
  "session.ended": (s, p, e) => {
    if (e.own) return;
    s.session.status = "ended";
    s.session.ended_at = p.ended_at;
    s.session.public_path = p.public_path || null;
  },
  "step.changed": (s, p, e) => {
    if (e.own) return;
    s.session.current_step = p.step_index;
    for (const [key, times] of Object.entries(p.steps || {})) Object.assign(runtimeOf(s, key), times);
  },
  "step.locked": (s, p, e) => { if (!e.own) runtimeOf(s, p.step_key).locked = p.locked; },
  "step.revealed": (s, p, e) => {
    if (e.own) return;
    runtimeOf(s, p.step_key).revealed = p.revealed;
    const a = activityOf(s, p.step_key);
    a.revealed = p.revealed;
    // What was hidden: cards go to the cards, everything else (totals, result, counts) to the step.
    const { cards, ...rest } = p.data || {};
    (cards || []).forEach((card) => CARD_EVENTS["card.shown"](s, { card }, {}));
    Object.assign(a, rest);
  },
  "step.noted": (s, p, e) => { if (!e.own && !p.redacted) (s.notes = s.notes || {})[p.step_key] = p.text; },
  "timer.changed": (s, p, e) => {
    if (e.own) return;
    runtimeOf(s, p.step_key).timer = p.timer;
    s.clockOffset = Date.parse(p.server_now) - Date.now();
  },
  "spotlight.changed": (s, p, e) => { if (!e.own) s.spotlight = p.spotlight && !p.spotlight.gone ? p.spotlight : null; },
  "record.captured": (s, p, e) => {
    if (!e.own && !p.redacted) p.captures.forEach((c) => s.captures.push({ ...c, step_key: p.step_key }));
  },
};

function reducersOf(activities) {
  const all = { ...SESSION_REDUCERS, ...CARD_EVENTS };
  for (const activity of Object.values(activities)) {
    for (const [type, reduce] of Object.entries(activity.events || {})) {
      const earlier = all[type];
      // Two activities may react to one event type (cards are shared): both run.
      all[type] = earlier ? (s, p, e) => { earlier(s, p, e); reduce(s, p, e); } : reduce;
    }
  }
  return all;
}

export function connectLive({ onChange, onStatus, onRejected, activities }) {
  const REDUCERS = reducersOf(activities);
  const root = document.getElementById("app");
  if (root.dataset.replayUrl) return replaySource(root.dataset.replayUrl, REDUCERS, onChange, onStatus);
  const sessionId = Number(root.dataset.sessionId);
  const role = root.dataset.role;
  const outboxKey = `workshop-outbox-${sessionId}-${role}`;
  let state = null;
  let lastSeq = 0;
  let syncTimer = null;
  let retryTimer = null; // resends the outbox while the server's saving is paused
  const early = new Map(); // events that arrived before the ones they follow
  const recent = new Map(); // seq -> type of the last events applied: an ack names its event by seq
  const ownResults = new Map(); // seq -> our ack's result, for an event that has not arrived yet

  const socket = io({ auth: { session_id: sessionId, role } });

  const loadOutbox = () => { try { return JSON.parse(localStorage.getItem(outboxKey)) || []; } catch { return []; } };
  const saveOutbox = (ops) => { try { localStorage.setItem(outboxKey, JSON.stringify(ops)); } catch { /* private mode */ } };
  const waiting = new Map(); // op_id -> resolve

  function status(text, kind) {
    onStatus && onStatus(text, kind);
    if (state) onChange(state, null); // queued operations show differently online and offline
  }

  function applySnapshot(snapshot) {
    state = snapshot;
    state.redacted = {};
    state.clockOffset = Date.parse(snapshot.server_now) - Date.now();
    lastSeq = snapshot.seq;
    early.clear();
    recent.clear();
    ownResults.clear(); // the snapshot already holds what was ours
    onChange(state, null);
  }

  // Events in any order and grouping (one "event", an "events" batch, a sync replay):
  // applied in seq order, drawn once.
  // An event the room got in its form while this phone gets it in its own as well (`whole_for`: a
  // table's card for its members, a new seat for whom it seats): that one is waited for, and it wins.
  const placeholder = (event) => {
    const whole = event.payload && event.payload.whole_for;
    return Array.isArray(whole) && state && state.me && state.me.role === "participant" && whole.includes(state.me.id);
  };

  // synced: a sync answer, each event already in this viewer's own form (never waited on again).
  function receive(events, synced = false) {
    if (!state) return;
    events.forEach((event) => {
      const held = early.get(event.seq);
      if (event.seq > lastSeq && (!held || placeholder(held))) {
        early.set(event.seq, synced && placeholder(event) ? { ...event, payload: { ...event.payload, whole_for: null } } : event);
      }
    });
    let applied = null;
    let reset = false;
    while (early.has(lastSeq + 1) && !placeholder(early.get(lastSeq + 1))) {
      applied = early.get(lastSeq + 1);
      early.delete(lastSeq + 1);
      const reduce = REDUCERS[applied.type];
      if (reduce) reduce(state, applied.payload, applied);
      if (applied.type === "session.reset") reset = true;
      if (applied.own_result) applyOwn(applied, applied.own_result); // a replay's (sync) own part: our dots, our answer
      lastSeq = applied.seq;
      state.seq = lastSeq;
      recent.set(applied.seq, applied);
      if (recent.size > 200) recent.delete(recent.keys().next().value);
      if (ownResults.has(applied.seq)) {
        applyOwn(applied, ownResults.get(applied.seq));
        ownResults.delete(applied.seq);
      }
    }
    if (applied) onChange(state, applied);
    // A practice session back at its start: what this screen holds is gone; a fresh snapshot.
    if (reset) { snapshot(); return; }
    if (early.size && !syncTimer) {
      // A gap: give the missing event a moment to arrive, then ask for it.
      syncTimer = setTimeout(() => { syncTimer = null; if (early.size) sync(); }, 700);
    }
  }

  function snapshot() {
    socket.emit("sync", {}, (answer) => { if (answer && answer.ok && answer.snapshot) applySnapshot(answer.snapshot); });
  }

  function sync() {
    socket.emit("sync", { after_seq: lastSeq }, (answer) => {
      if (!answer || !answer.ok) return;
      if (answer.snapshot) applySnapshot(answer.snapshot);
      else receive(answer.events, true);
    });
  }

  function applyOwn(event, result) {
    const reduce = REDUCERS[event.type];
    if (reduce) reduce(state, event.payload, { ...event, own: result });
  }

  function emitOp(op) {
    socket.timeout(15000).emit("op", op, (err, ack) => {
      if (err) return; // no answer: it stays in the outbox and goes again on reconnect
      if (ack && !ack.ok && ack.error && ack.error.code === "saving_paused") {
        // The server's database is away: the op stays in the outbox and is sent again (same
        // op_id, stored once) until saving works again.
        status(_("Speichern pausiert – Ihre Eingaben werden gesendet, sobald es wieder geht"), "offline");
        if (!retryTimer) retryTimer = setTimeout(() => { retryTimer = null; loadOutbox().forEach(emitOp); }, 5000);
        return;
      }
      saveOutbox(loadOutbox().filter((o) => o.op_id !== op.op_id));
      const resolve = waiting.get(op.op_id);
      waiting.delete(op.op_id);
      if (ack && ack.ok && state && ack.seq && !ack.duplicate) {
        // Our own part of the event (the server sends the event before the ack).
        const event = recent.get(ack.seq);
        if (event) { applyOwn(event, ack.result || {}); onChange(state, event); }
        else if (ack.seq > lastSeq) ownResults.set(ack.seq, ack.result || {});
      }
      if (ack && !ack.ok && !resolve && onRejected) onRejected(op, ack.error);
      if (resolve) resolve(ack);
    });
  }

  function send(type, payload = {}) {
    const op = { type, op_id: newOpId(), payload };
    saveOutbox([...loadOutbox(), op]);
    const answer = new Promise((resolve) => waiting.set(op.op_id, resolve));
    if (socket.connected && state) emitOp(op);
    else status(_("Verbindung unterbrochen – Ihre Eingaben bleiben erhalten"), "offline");
    return answer;
  }

  socket.on("connect", () => status(_("verbunden"), "online"));
  socket.on("snapshot", (snapshot) => {
    applySnapshot(snapshot);
    loadOutbox().forEach(emitOp); // same op_id: applied once even if it had got through
  });
  socket.on("status", (info) => { // the server's saving state (docs/realtime.md, "status")
    if (info && info.saving === "paused") status(_("Speichern pausiert – Ihre Eingaben werden gesendet, sobald es wieder geht"), "offline");
    else if (info && info.saving === "ok") { status(_("verbunden"), "online"); loadOutbox().forEach(emitOp); }
  });
  socket.on("event", (event) => receive([event]));
  socket.on("events", receive); // a batch, when events come faster than the broadcast window
    // People see a plain sentence; the technical reason ("xhr poll error") goes to the console only.
  socket.on("disconnect", () => status(_("Verbindung unterbrochen – Ihre Eingaben bleiben erhalten"), "offline"));
  socket.on("connect_error", () => status(_("Verbindung unterbrochen – Ihre Eingaben bleiben erhalten"), "offline"));

  // Operations typed but not yet acknowledged (offline, or in flight): shown as "being sent".
  const queued = () => loadOutbox();
  return { send, queued, get state() { return state; }, socket };
}

// A page inside the replay (training): no socket. It loads the session's start and events in this
// viewer's form and, whenever the replay page's scrubber moves, folds the events up to that moment
// with the same reducers as live, so it shows exactly what its live counterpart showed then.
function replaySource(url, REDUCERS, onChange, onStatus) {
  let data = null;
  let state = null;
  const parent = window.parent !== window ? window.parent : null;
  function showUntil(seq) {
    if (!data) return;
    state = structuredClone(data.start);
    state.redacted = {};
    state.clockOffset = 0;
    let last = null;
    for (const event of data.events) {
      if (event.seq > seq) break;
      if (event.type === "session.reset") { // a practice session back at its start
        state = structuredClone(data.start);
        state.redacted = {};
        state.clockOffset = 0;
      }
      const reduce = REDUCERS[event.type];
      if (reduce) reduce(state, event.payload, event);
      if (reduce && event.own_result) reduce(state, event.payload, { ...event, own: event.own_result }); // what our ack said
      state.seq = event.seq;
      last = event;
    }
    if (last) state.server_now = last.at;
    onChange(state, last);
  }
  window.addEventListener("message", (e) => {
    if (e.origin === window.location.origin && e.data && Number.isInteger(e.data.replaySeq)) showUntil(e.data.replaySeq);
  });
  fetch(url, { credentials: "same-origin" }).then((r) => r.json()).then((answer) => {
    data = answer;
    onStatus && onStatus(_("Wiedergabe"), "online");
    showUntil(0);
    if (parent) parent.postMessage({ replayReady: true }, window.location.origin);
  });
  const refused = () => Promise.resolve({ ok: false, error: { code: "replay", message: "replay" } });
  return { send: refused, queued: () => [], get state() { return state; }, socket: { connected: false } };
}

export function announce(text) {
  const el = document.getElementById("announcer");
  if (el) el.textContent = text;
}

export function currentStep(state) {
  return state.steps[state.session.current_step];
}

export function setConnection(text, kind) {
  const el = document.getElementById("conn");
  if (!el) return;
  el.textContent = text;
  el.dataset.state = kind;
}

export function timeLeft(state, stepKey) {
  // Seconds left on the step's timer (negative once over), or null without a timer.
  const timer = state.runtime[stepKey] && state.runtime[stepKey].timer;
  if (!timer) return null;
  let left = timer.remaining;
  if (timer.running_since) left -= (Date.now() + (state.clockOffset || 0) - Date.parse(timer.running_since)) / 1000;
  return left;
}

export function formatSeconds(seconds) {
  const sign = seconds < 0 ? "−" : "";
  const s = Math.abs(Math.round(seconds));
  return `${sign}${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

export function visibleCards(state, stepKey) {
  return state.cards.filter((c) => c.step_key === stepKey && c.status !== "hidden");
}

export function othersHiddenCount(state, stepKey) {
  // Cards the room knows exist but cannot see yet (silent step), not counting one's own.
  const ids = state.redacted[stepKey] || new Set();
  return [...ids].filter((id) => !state.cards.some((c) => c.id === id && c.mine)).length;
}

export function fill(el, ...children) {
  // replaceChildren, minus the nulls our conditionals produce (it would print "null").
  el.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
}
