// The facilitator's console: agenda with planned and actual time, step controls, live board,
// moderation, clustering, and capture into the measure record.
import { _, errorText } from "./i18n.js";
import { ACTIVITIES } from "./activities/index.js";
import { connectLive, currentStep, formatSeconds, h, setConnection, t, visibleCards, fill } from "./live.js";
import { actionList, capturedFields, clusterBoard, clustersOf, consentResult, pollResults, spotlightBanner,
  timerBadge, voteResults, voteTargets } from "./widgets.js";

const fields = JSON.parse(document.getElementById("record-fields").textContent);
const $ = (id) => document.getElementById(id);
const selected = new Set();
const STATUS = { ready: _("bereit – noch nicht gestartet"), live: _("läuft"), ended: _("beendet") };
const REVEALABLE = (step) => (step.silent || step.hidden || step.type === "consent");

const live = connectLive({ onChange: render, onStatus: setConnection, onRejected: (_op, e) => showError(errorText(e)) });
setInterval(() => live.state && renderTimer(live.state), 1000);

function showError(message) {
  $("op-error").textContent = message;
  $("op-error").hidden = false;
}

async function send(type, payload = {}) {
  $("op-error").hidden = true;
  const ack = await live.send(type, payload);
  if (!ack.ok) showError(errorText(ack.error));
  return ack;
}

const step = () => currentStep(live.state);
function goto(offset) {
  const target = live.state.steps[live.state.session.current_step + offset];
  if (target) send("step.goto", { step_key: target.key });
}

$("prev").addEventListener("click", () => goto(-1));
$("next").addEventListener("click", () => goto(+1));
$("start").addEventListener("click", () => send("session.start"));
$("end").addEventListener("click", () => {
  if (confirm(_("Sitzung beenden? Danach kann niemand mehr beitreten oder Karten schreiben."))) send("session.end");
});
$("timer-start").addEventListener("click", () => send("timer.start", { step_key: step().key }));
$("timer-pause").addEventListener("click", () => send("timer.pause", { step_key: step().key }));
$("timer-plus").addEventListener("click", () => send("timer.add", { step_key: step().key, seconds: 60 }));
$("timer-minus").addEventListener("click", () => send("timer.add", { step_key: step().key, seconds: -60 }));
$("lock").addEventListener("click", () => {
  const locked = !!(live.state.runtime[step().key] || {}).locked;
  send("step.lock", { step_key: step().key, locked: !locked });
});
$("reveal").addEventListener("click", () => send("step.reveal", { step_key: step().key }));
$("spotlight-clear").addEventListener("click", () => send("spotlight.set", {}));
$("card-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const text = $("card-text").value.trim();
  if (!text) return;
  const type = step().type === "consent" ? "consent.option_add" : "card.add";
  const payload = type === "card.add" ? { step_key: step().key, column_key: $("card-column").value, text } : { text };
  const ack = await send(type, payload);
  if (ack.ok) $("card-text").value = "";
});

fill($("capture-field"), ...fields.map((f) => h("option", { value: f.key }, f.label)));

function capture(cardIds) {
  const payload = { step_key: step().key, mode: $("capture-append").checked ? "append" : "replace" };
  if (!columnFields(step()) || $("capture-field").dataset.touched) payload.field_key = $("capture-field").value;
  if (cardIds) payload.card_ids = cardIds;
  send("record.capture", payload).then((ack) => {
    if (ack.ok) {
      $("capture-result").textContent = _("{lines} Zeile(n) in {fields} Feld(er) übernommen.", { lines: ack.result.lines, fields: ack.result.fields.length });
      selected.clear();
      render(live.state);
    }
  });
}
$("capture-field").addEventListener("change", () => { $("capture-field").dataset.touched = "1"; });
$("capture-top").addEventListener("click", () => capture(null));
$("capture-selected").addEventListener("click", () => {
  if (!selected.size) return showError(_("Bitte zuerst Karten auswählen."));
  capture([...selected]);
});

const columnFields = (s) => (s.columns || []).some((c) => c.field);
const cardButtons = (card) => h("span", { class: "card-tools" },
  h("button", { type: "button", class: "link", onclick: () => send("spotlight.set", { card_id: card.id }) }, _("Fokus")),
  h("button", { type: "button", class: "link", onclick: () => send("card.hide", { card_id: card.id, hidden: card.status !== "hidden" }) },
    card.status === "hidden" ? _("Wieder zeigen") : _("Ausblenden")));

function cardItem(card, votes) {
  const box = h("input", { type: "checkbox", "aria-label": _("Karte auswählen: {text}", { text: card.text }), checked: selected.has(card.id),
    onchange: (e) => (e.target.checked ? selected.add(card.id) : selected.delete(card.id)) });
  return h("li", { class: `card${card.status === "hidden" ? " hidden-card" : ""}`, "data-card-id": card.id, draggable: "true",
    ondragstart: (e) => e.dataTransfer.setData("text/plain", String(card.id)) },
  h("label", { class: "card-select" }, box, h("span", { class: "card-text", text: card.text })),
  card.author ? h("p", { class: "card-author", text: card.author }) : null,
  card.status === "hidden" ? h("p", { class: "card-author" }, _("ausgeblendet – für alle anderen unsichtbar")) : null,
  votes !== undefined ? h("p", { class: "card-votes" }, `${votes} ${votes === 1 ? "Punkt" : "Punkte"}`) : null,
  cardButtons(card));
}

function agendaTimes(state, s) {
  // Planned minutes from the template; actual time from the server's record of the step.
  const runtime = state.runtime[s.key] || {};
  let seconds = runtime.seconds || 0;
  if (runtime.entered_at) seconds += (Date.now() + (state.clockOffset || 0) - Date.parse(runtime.entered_at)) / 1000;
  const planned = s.timebox_minutes ? _("plan {minutes} min", { minutes: s.timebox_minutes }) : "";
  return ` ${planned}${seconds ? ` · ${_("ist {time}", { time: formatSeconds(seconds) })}` : ""}`;
}

function renderAgenda(state) {
  fill($("agenda"), ...state.steps.map((s, i) => h("li",
    { class: i === state.session.current_step ? "current" : "", "aria-current": i === state.session.current_step ? "step" : false },
    h("button", { type: "button", class: "link", disabled: state.session.status !== "live",
      onclick: () => send("step.goto", { step_key: s.key }) }, t(s.title)),
    h("span", { class: "meta agenda-time" }, agendaTimes(state, s)))));
}

function tickAgenda(state) {
  // Only the numbers change each second; the buttons stay put (focus, clicks).
  $("agenda").querySelectorAll(".agenda-time").forEach((span, i) => {
    span.textContent = agendaTimes(state, state.steps[i]);
  });
}

function renderTimer(state) {
  if (state.session.status !== "live") { fill($("timer-display"), ); return; }
  const s = currentStep(state);
  const timer = (state.runtime[s.key] || {}).timer;
  fill($("timer-display"), timerBadge(state, s) || h("p", { class: "meta" }, _("Kein Timer (geplant {value} min)", { value: s.timebox_minutes || "–" })));
  $("timer-start").textContent = timer && !timer.running_since ? _("Fortsetzen") : _("Timer starten");
  $("timer-pause").disabled = !(timer && timer.running_since);
  $("timer-plus").disabled = $("timer-minus").disabled = !timer;
  tickAgenda(state);
}

function dropZone(cluster) {
  return {
    ondragover: (e) => e.preventDefault(),
    ondrop: (e) => { e.preventDefault(); send("card.cluster", { card_id: Number(e.dataTransfer.getData("text/plain")), cluster_id: cluster ? cluster.id : null }); },
  };
}

function renderCluster(state, s) {
  const clusters = clustersOf(state, s.key);
  const title = h("input", { id: "cluster-title", maxlength: 200, placeholder: _("Neuer Cluster") });
  const board = clusterBoard(state, s, {
    cardExtra: (card) => h("select", { "aria-label": _("Cluster für: {text}", { text: card.text }),
      onchange: (e) => send("card.cluster", { card_id: card.id, cluster_id: e.target.value ? Number(e.target.value) : null }) },
    h("option", { value: "" }, _("– ohne Cluster –")),
    clusters.map((cl) => h("option", { value: cl.id, selected: card.cluster_id === cl.id }, cl.title))),
  });
  board.querySelectorAll("section.cluster").forEach((section) => {
    const cluster = clusters.find((cl) => String(cl.id) === section.dataset.clusterId) || null;
    const zone = dropZone(cluster);
    section.addEventListener("dragover", zone.ondragover);
    section.addEventListener("drop", zone.ondrop);
    section.querySelectorAll("li.card").forEach((li) => {
      li.draggable = true;
      li.addEventListener("dragstart", (e) => e.dataTransfer.setData("text/plain", li.dataset.cardId));
    });
    if (cluster) {
      section.querySelector("h3").append(" ",
        h("button", { type: "button", class: "link", onclick: () => { const name = prompt(_("Neuer Name"), cluster.title); if (name) send("cluster.rename", { cluster_id: cluster.id, title: name }); } }, _("umbenennen")),
        h("button", { type: "button", class: "link", onclick: () => send("spotlight.set", { cluster_id: cluster.id }) }, _("Fokus")),
        h("button", { type: "button", class: "link", onclick: () => send("cluster.delete", { cluster_id: cluster.id }) }, _("auflösen")));
    }
  });
  return [h("form", { class: "inline-form", onsubmit: async (e) => { e.preventDefault(); if (!title.value.trim()) return;
    const ack = await send("cluster.create", { title: title.value }); if (ack.ok) title.value = ""; } },
  h("label", { for: "cluster-title", class: "visually-hidden" }, _("Neuer Cluster")), title, h("button", { type: "submit" }, _("Cluster anlegen"))),
  h("p", { class: "meta" }, _("Karten per Ziehen oder mit der Auswahl unter jeder Karte zuordnen.")), board];
}

function renderBoard(state, s) {
  const board = $("board");
  const mod = ACTIVITIES[s.type];
  if (mod) { fill(board, ...mod.console(state, s, { send, h, t, _, fill })); return; }
  if (["brainstorm", "draft"].includes(s.type)) {
    const cards = visibleCards(state, s.key).concat(state.cards.filter((c) => c.step_key === s.key && c.status === "hidden"))
      .filter((c) => c.status !== "pending");
    fill(board, h("div", { class: "columns" }, s.columns.map((c) => h("section", { class: "column" },
      h("h3", {}, `${t(c.title)} (${cards.filter((x) => x.column_key === c.key).length})`),
      h("ul", { class: "cards" }, cards.filter((x) => x.column_key === c.key).map((card) => cardItem(card)))))));
  } else if (s.type === "cluster") {
    fill(board, ...renderCluster(state, s));
  } else if (s.type === "dot_vote") {
    const totals = (state.activity[s.key] || {}).totals || {};
    const spent = Object.values(totals).reduce((a, b) => a + b, 0);
    const targets = voteTargets(state, s).sort((a, b) => (totals[b.id] || 0) - (totals[a.id] || 0) || a.id - b.id);
    fill(board, h("p", {}, _("{spent} Punkte vergeben · Budget {budget} pro Person, höchstens {max_per_card} pro Karte", { spent, budget: s.budget, max_per_card: s.max_per_card })
      + (s.hidden && !(state.runtime[s.key] || {}).revealed ? _(" · für die Gruppe verborgen bis zum Aufdecken") : "")),
    h("ol", { class: "cards ranked" }, targets.map((x) => (x.card ? cardItem(x.card, totals[x.id] || 0)
      : h("li", { class: "card" }, h("span", { class: "card-text", text: x.text }), h("p", { class: "card-votes" }, `${totals[x.id] || 0} Punkte`))))));
  } else if (s.type === "consent") {
    fill(board, h("ul", { class: "cards" }, visibleCards(state, s.key).map((o) => h("li", { class: "card" },
      h("span", { class: "card-text", text: o.text }), o.column_key === "passive" ? h("p", { class: "card-author" }, "immer dabei") : null))),
    consentResult(state, s));
  } else if (s.type === "poll") {
    fill(board, pollResults(state, s));
  } else if (s.type === "action_items") {
    const who = h("input", { id: "fac-action-who", maxlength: 200, placeholder: _("Wer") });
    const what = h("input", { id: "fac-action-what", maxlength: 1000, placeholder: _("Was") });
    const due = h("input", { id: "fac-action-due", type: "date", "aria-label": _("Bis wann") });
    fill(board, h("form", { class: "inline-form", onsubmit: async (e) => { e.preventDefault();
      const ack = await send("action.add", { who: who.value, what: what.value, due: due.value || null });
      if (ack.ok) { who.value = ""; what.value = ""; due.value = ""; } } },
    h("label", { for: "fac-action-what", class: "visually-hidden" }, _("Was")), what,
    h("label", { for: "fac-action-who", class: "visually-hidden" }, _("Wer")), who, due, h("button", { type: "submit" }, _("Aufgabe hinzufügen"))),
    actionList(state, s, (item) => h("button", { type: "button", class: "link", onclick: () => send("action.delete", { item_id: item.id }) }, _("Löschen"))));
  } else {
    fill(board, );
  }
}

function renderQueue(state, s) {
  const pending = state.cards.filter((c) => c.step_key === s.key && c.status === "pending");
  $("queue").hidden = !s.moderated;
  fill($("queue-list"), ...pending.map((card) => h("li", { class: "card pending", "data-card-id": card.id },
    h("p", { class: "card-text", text: card.text }),
    h("div", { class: "card-actions" },
      h("button", { type: "button", class: "primary", onclick: () => send("card.approve", { card_id: card.id }) }, _("Freigeben")),
      h("button", { type: "button", onclick: () => send("card.hide", { card_id: card.id, hidden: true }) }, _("Ablehnen"))))));
  if (!pending.length) fill($("queue-list"), h("li", { class: "empty" }, _("Keine Beiträge in der Warteschlange.")));
}

let captureStepKey = null;

function renderCapture(s) {
  if (captureStepKey !== s.key) {
    // A new step brings its own defaults: its record field and whether capture appends.
    captureStepKey = s.key;
    delete $("capture-field").dataset.touched;
    $("capture-append").checked = (s.capture || {}).mode === "append";
    $("capture-result").textContent = "";
    selected.clear();
  }
  const panel = $("capture");
  panel.hidden = ["summary"].includes(s.type);
  const configured = s.capture || {};
  if (configured.field && !$("capture-field").dataset.touched) $("capture-field").value = configured.field;
  const perColumn = columnFields(s);
  $("capture-top").textContent = perColumn ? _("Jede Spalte in ihr Feld übernehmen")
    : configured.top ? _("Top {top} übernehmen", { top: configured.top }) : _("Ergebnis übernehmen");
  $("capture-hint").textContent = perColumn
    ? _("Spalten → Felder: {pairs}", { pairs: s.columns.map((c) => `${t(c.title)} → ${(fields.find((f) => f.key === c.field) || {}).label}`).join(" · ") })
    : configured.field ? _("Vorgesehen: „{value}“.", { value: (fields.find((f) => f.key === configured.field) || {}).label }) : _("Feld wählen.");
  $("capture-selected").hidden = !["brainstorm", "draft", "dot_vote"].includes(s.type);
}

function render(state) {
  if (!state) return;
  const s = currentStep(state);
  const runtime = state.runtime[s.key] || {};
  $("participants").textContent = state.participants;
  $("status").textContent = STATUS[state.session.status];
  $("start").hidden = state.session.status !== "ready";
  $("end").hidden = state.session.status === "ended";
  const live_ = state.session.status === "live";
  $("prev").disabled = !live_ || state.session.current_step === 0;
  $("next").disabled = !live_ || state.session.current_step === state.steps.length - 1;
  document.querySelector(".step-controls").hidden = !live_;
  $("lock").textContent = runtime.locked ? _("Eingabe freigeben") : _("Eingabe sperren");
  $("lock").setAttribute("aria-pressed", runtime.locked ? "true" : "false");
  $("reveal").hidden = !REVEALABLE(s) || !!runtime.revealed;
  $("spotlight-clear").hidden = !state.spotlight;
  renderAgenda(state);
  renderTimer(state);
  fill($("step"), spotlightBanner(state),
    h("p", { class: "eyebrow" }, _("Schritt {value} von {steps}", { value: state.session.current_step + 1, steps: state.steps.length })),
    h("h2", { text: t(s.title) }), s.prompt ? h("p", { class: "prompt", text: t(s.prompt) }) : null,
    runtime.locked ? h("p", { class: "notice" }, _("Eingabe ist gesperrt.")) : null);
  const form = $("card-form");
  const takesCards = ["brainstorm", "draft"].includes(s.type) || (s.type === "consent" && !runtime.revealed);
  form.hidden = !takesCards || !live_;
  $("card-text").placeholder = s.type === "consent" ? _("Weitere Option") : _("Karte der Moderation (z. B. vom Papier)");
  if (s.columns) {
    const current = $("card-column").value;
    fill($("card-column"), ...s.columns.map((c) => h("option", { value: c.key }, t(c.title))));
    if (s.columns.some((c) => c.key === current)) $("card-column").value = current;
  }
  $("card-column").hidden = !s.columns || s.columns.length < 2;
  renderQueue(state, s);
  renderBoard(state, s);
  renderCapture(s);
  const label = (key) => (fields.find((f) => f.key === key) || { label: key }).label;
  const captured = capturedFields(state);
  fill($("captured"), h("h2", {}, _("Im Steckbrief aus dieser Sitzung")),
    captured.length ? h("dl", {}, captured.flatMap((c) => [h("dt", {}, label(c.field_key)),
      h("dd", {}, h("ul", {}, c.lines.map((l) => h("li", { text: l }))))])) : h("p", { class: "empty" }, _("noch nichts übernommen")));
}
