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

const REDUCERS = {
  "participant.joined": (s, p) => { s.participants = p.participants; },
  "session.started": (s, p) => { s.session.status = "live"; s.session.started_at = p.started_at; },
  "session.ended": (s, p) => { s.session.status = "ended"; s.session.ended_at = p.ended_at; },
  "step.changed": (s, p) => { s.session.current_step = p.step_index; },
  "card.added": (s, p) => { if (!s.cards.some((c) => c.id === p.card.id)) s.cards.push({ ...p.card, mine: false }); },
  "card.edited": (s, p) => { s.cards = s.cards.map((c) => (c.id === p.card.id ? { ...p.card, mine: c.mine } : c)); },
  "card.deleted": (s, p) => { s.cards = s.cards.filter((c) => c.id !== p.card_id); },
  "vote.changed": (s, p) => {
    const a = (s.activity[p.step_key] = s.activity[p.step_key] || { totals: {} });
    a.totals[p.card_id] = p.total;
  },
  "record.captured": (s, p) => { s.captures.push({ step_key: p.step_key, field_key: p.field_key, field_label: p.field_label, lines: p.lines, revision_id: p.revision_id }); },
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
  const myCards = new Set(); // ids of cards this page added (the broadcast does not say whose)

  // eslint-disable-next-line no-undef
  const socket = io({ auth: { session_id: sessionId, role } });

  const loadOutbox = () => { try { return JSON.parse(localStorage.getItem(outboxKey)) || []; } catch { return []; } };
  const saveOutbox = (ops) => { try { localStorage.setItem(outboxKey, JSON.stringify(ops)); } catch { /* private mode */ } };
  const waiting = new Map(); // op_id -> resolve

  function status(text, kind) { onStatus && onStatus(text, kind); }

  function applySnapshot(snapshot) {
    state = snapshot;
    lastSeq = snapshot.seq;
    early.clear();
    onChange(state, null);
  }

  function receive(event) {
    if (!state || event.seq <= lastSeq) return;
    early.set(event.seq, event);
    let applied = null;
    while (early.has(lastSeq + 1)) {
      applied = early.get(lastSeq + 1);
      early.delete(lastSeq + 1);
      const reduce = REDUCERS[applied.type];
      if (reduce) reduce(state, applied.payload);
      if (applied.type === "card.added" && myCards.has(applied.payload.card.id)) {
        state.cards.find((c) => c.id === applied.payload.card.id).mine = true;
      }
      lastSeq = applied.seq;
      state.seq = lastSeq;
      onChange(state, applied);
    }
    if (early.size && !syncTimer) {
      // A gap: give the missing event a moment to arrive, then ask for it.
      syncTimer = setTimeout(() => { syncTimer = null; if (early.size) sync(); }, 700);
    }
  }

  function sync() {
    socket.emit("sync", { after_seq: lastSeq }, (answer) => {
      if (!answer || !answer.ok) return;
      if (answer.snapshot) applySnapshot(answer.snapshot);
      else answer.events.forEach(receive);
    });
  }

  function emitOp(op) {
    socket.timeout(15000).emit("op", op, (err, ack) => {
      if (err) return; // no answer: it stays in the outbox and goes again on reconnect
      saveOutbox(loadOutbox().filter((o) => o.op_id !== op.op_id));
      const resolve = waiting.get(op.op_id);
      waiting.delete(op.op_id);
      if (ack && ack.ok && state && ack.result && ack.result.card_id && op.type === "card.add") {
        myCards.add(ack.result.card_id);
        const card = state.cards.find((c) => c.id === ack.result.card_id);
        if (card) { card.mine = true; onChange(state, null); }
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
    else status("offline – wird gesendet, sobald die Verbindung steht", "offline");
    return answer;
  }

  socket.on("connect", () => status("verbunden", "online"));
  socket.on("snapshot", (snapshot) => {
    applySnapshot(snapshot);
    loadOutbox().forEach(emitOp); // same op_id: applied once even if it had got through
  });
  socket.on("event", receive);
  socket.on("disconnect", () => status("Verbindung unterbrochen – neuer Versuch …", "offline"));
  socket.on("connect_error", (err) => status(`keine Verbindung (${err.message})`, "offline"));

  return { send, get state() { return state; }, socket };
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
