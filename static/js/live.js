import { _ } from "./i18n.js";
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

function activityOf(s, stepKey) {
  return (s.activity[stepKey] = s.activity[stepKey] || {});
}

function upsertCard(s, card, mine) {
  const old = s.cards.find((c) => c.id === card.id);
  if (old) Object.assign(old, card, { mine: mine || old.mine });
  else s.cards.push({ ...card, mine: !!mine });
}

function runtimeOf(s, stepKey) {
  return (s.runtime[stepKey] = s.runtime[stepKey] || {});
}

// One reducer per event type: the same state the server's snapshot would give.
const REDUCERS = {
  "participant.joined": (s, p) => { s.participants = p.participants; },
  "session.started": (s, p) => {
    s.session.status = "live";
    s.session.started_at = p.started_at;
    for (const [key, times] of Object.entries(p.steps || {})) Object.assign(runtimeOf(s, key), times);
  },
  "session.ended": (s, p) => {
    s.session.status = "ended"; s.session.ended_at = p.ended_at; s.session.public_path = p.public_path || null;
  },
  "step.changed": (s, p) => {
    s.session.current_step = p.step_index;
    for (const [key, times] of Object.entries(p.steps || {})) Object.assign(runtimeOf(s, key), times);
  },
  "card.added": (s, p) => {
    if (p.redacted) { (s.redacted[p.step_key] = s.redacted[p.step_key] || new Set()).add(p.card_id); return; }
    upsertCard(s, p.card, false);
  },
  "card.edited": (s, p) => { if (!p.redacted) upsertCard(s, p.card, false); },
  "card.shown": (s, p) => { if (!p.redacted) upsertCard(s, p.card, false); },
  "card.hidden": (s, p) => {
    if (p.card) upsertCard(s, p.card, false); // the facilitator keeps seeing it, marked hidden
    else s.cards = s.cards.filter((c) => c.id !== p.card_id);
  },
  "card.deleted": (s, p) => { s.cards = s.cards.filter((c) => c.id !== p.card_id); },
  "card.clustered": (s, p) => { const c = s.cards.find((x) => x.id === p.card_id); if (c) c.cluster_id = p.cluster_id; },
  "cluster.created": (s, p) => { const a = activityOf(s, p.cluster.step_key); (a.clusters = a.clusters || []).push(p.cluster); },
  "cluster.renamed": (s, p) => {
    const a = activityOf(s, p.cluster.step_key);
    a.clusters = (a.clusters || []).map((c) => (c.id === p.cluster.id ? p.cluster : c));
  },
  "cluster.deleted": (s, p) => {
    for (const a of Object.values(s.activity)) if (a.clusters) a.clusters = a.clusters.filter((c) => c.id !== p.cluster_id);
    s.cards.forEach((c) => { if (c.cluster_id === p.cluster_id) c.cluster_id = null; });
  },
  "vote.changed": (s, p) => {
    if (p.redacted) return;
    const a = activityOf(s, p.step_key);
    (a.totals = a.totals || {})[p.target_id] = p.total;
  },
  "rating.changed": (s, p) => { activityOf(s, p.step_key).raters = p.raters; },
  "poll.changed": (s, p) => { const a = activityOf(s, p.step_key); a.answers = p.answers; if (p.counts) a.counts = p.counts; },
  "action.added": (s, p) => { const a = activityOf(s, p.item.step_key); (a.items = a.items || []).push(p.item); },
  "action.edited": (s, p) => { const a = activityOf(s, p.item.step_key); a.items = (a.items || []).map((i) => (i.id === p.item.id ? p.item : i)); },
  "action.deleted": (s, p) => { const a = activityOf(s, p.step_key); a.items = (a.items || []).filter((i) => i.id !== p.item_id); },
  "step.locked": (s, p) => { runtimeOf(s, p.step_key).locked = p.locked; },
  "step.revealed": (s, p) => {
    runtimeOf(s, p.step_key).revealed = p.revealed;
    const a = activityOf(s, p.step_key);
    a.revealed = p.revealed;
    const data = p.data || {};
    (data.cards || []).forEach((card) => upsertCard(s, card, false));
    if (data.totals) a.totals = data.totals;
    if (data.result) a.result = data.result;
    if (data.counts) a.counts = data.counts;
  },
  "timer.changed": (s, p) => { runtimeOf(s, p.step_key).timer = p.timer; s.clockOffset = Date.parse(p.server_now) - Date.now(); },
  "spotlight.changed": (s, p) => { s.spotlight = p.spotlight; },
  "record.captured": (s, p) => { if (!p.redacted) p.captures.forEach((c) => s.captures.push({ ...c, step_key: p.step_key })); },
};

export function connectLive({ onChange, onStatus, onRejected }) {
  const root = document.getElementById("app");
  const sessionId = Number(root.dataset.sessionId);
  const role = root.dataset.role;
  const outboxKey = `workshop-outbox-${sessionId}-${role}`;
  let state = null;
  let lastSeq = 0;
  let syncTimer = null;
  const early = new Map(); // events that arrived before the ones they follow

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
    onChange(state, null);
  }

  // Events in any order and grouping (one "event", an "events" batch, a sync replay):
  // applied in seq order, drawn once.
  function receive(events) {
    if (!state) return;
    events.forEach((event) => { if (event.seq > lastSeq) early.set(event.seq, event); });
    let applied = null;
    while (early.has(lastSeq + 1)) {
      applied = early.get(lastSeq + 1);
      early.delete(lastSeq + 1);
      const reduce = REDUCERS[applied.type];
      if (reduce) reduce(state, applied.payload);
      lastSeq = applied.seq;
      state.seq = lastSeq;
    }
    if (applied) onChange(state, applied);
    if (early.size && !syncTimer) {
      // A gap: give the missing event a moment to arrive, then ask for it.
      syncTimer = setTimeout(() => { syncTimer = null; if (early.size) sync(); }, 700);
    }
  }

  function sync() {
    socket.emit("sync", { after_seq: lastSeq }, (answer) => {
      if (!answer || !answer.ok) return;
      if (answer.snapshot) applySnapshot(answer.snapshot);
      else receive(answer.events);
    });
  }

  function emitOp(op) {
    socket.timeout(15000).emit("op", op, (err, ack) => {
      if (err) return; // no answer: it stays in the outbox and goes again on reconnect
      saveOutbox(loadOutbox().filter((o) => o.op_id !== op.op_id));
      const resolve = waiting.get(op.op_id);
      waiting.delete(op.op_id);
      if (ack && ack.ok && state && ack.result && ack.result.card) {
        // Our own card, also when the room does not see it yet (silent step, moderation).
        upsertCard(state, ack.result.card, true);
        onChange(state, null);
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
    else status(_("offline – wird gesendet, sobald die Verbindung steht"), "offline");
    return answer;
  }

  socket.on("connect", () => status(_("verbunden"), "online"));
  socket.on("snapshot", (snapshot) => {
    applySnapshot(snapshot);
    loadOutbox().forEach(emitOp); // same op_id: applied once even if it had got through
  });
  socket.on("event", (event) => receive([event]));
  socket.on("events", receive); // a batch, when events come faster than the broadcast window
  socket.on("disconnect", () => status(_("Verbindung unterbrochen – neuer Versuch …"), "offline"));
  socket.on("connect_error", (err) => status(_("keine Verbindung ({message})", { message: err.message }), "offline"));

  // Operations typed but not yet acknowledged (offline, or in flight): shown as "being sent".
  const queued = () => loadOutbox();
  return { send, queued, get state() { return state; }, socket };
}

export function announce(text) {
  const el = document.getElementById("announcer");
  if (el) el.textContent = text;
}

export function currentStep(state) {
  return state.steps[state.session.current_step];
}

export function cardsOf(state, stepKey) {
  return state.cards.filter((c) => c.step_key === stepKey);
}

export function totalsOf(state, stepKey) {
  return (state.activity[stepKey] && state.activity[stepKey].totals) || {};
}

export function rankByVotes(cards, totals) {
  return [...cards].sort((a, b) => (totals[b.id] || 0) - (totals[a.id] || 0) || a.id - b.id);
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
