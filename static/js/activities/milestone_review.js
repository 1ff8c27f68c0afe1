// Sachstand und Selbstevaluation (workshop/activities/milestone_review.py): the measure's milestones
// and indicators, one in focus. Phones propose a status, write obstacles and next steps, rate an
// indicator's trend; the projector shows the item in focus with the room's answers; the console
// moves the focus, applies the agreed status and enters a new value (or, in mode "decision",
// records the result of the consent step before it).
import { activityOf } from "../live.js";

const boardOf = (state, step) => state.activity[step.key] || {};
const TRENDS = ["better", "same", "worse"];

function trendLabel({ _ }, trend) {
  return { better: _("besser"), same: _("gleich"), worse: _("schlechter") }[trend];
}

function statusLabel(board, key, t) {
  const s = (board.statuses || []).find((x) => x.key === key);
  return s ? t(s.label) : key;
}

function focused(board) {
  const [kind, id] = (board.focus || "").split(":");
  const list = kind === "indicator" ? board.indicators : board.milestones;
  const item = (list || []).find((x) => String(x.id) === id);
  return item ? { kind, item } : null;
}

function proposalList(board, m, ui) {
  const { h, t, _ } = ui;
  const counts = (board.proposals || {})[String(m.id)] || {};
  const keys = Object.keys(counts).sort((a, b) => counts[b] - counts[a]);
  if (!keys.length) return h("p", { class: "meta" }, _("Noch keine Vorschläge."));
  return h("ul", { class: "review-proposals" }, keys.map((k) =>
    h("li", { "data-status": k }, h("span", { text: statusLabel(board, k, t) }), " ",
      h("span", { class: "votes" }, String(counts[k])))));
}

function noteList(board, m, ui) {
  const { h, _ } = ui;
  const notes = (board.notes || {})[String(m.id)] || [];
  if (!notes.length) return null;
  return h("ul", { class: "review-notes" }, notes.map((n) =>
    h("li", { class: `review-note ${n.kind}` },
      h("strong", {}, n.kind === "obstacle" ? _("Hindernis") : _("Nächster Schritt")), ": ", h("span", { text: n.text }))));
}

function trendList(board, i, ui) {
  const { h } = ui;
  const counts = (board.trends || {})[String(i.id)] || {};
  return h("ul", { class: "review-trends" }, TRENDS.map((tr) =>
    h("li", { "data-trend": tr }, h("span", { text: trendLabel(ui, tr) }), " ", h("span", { class: "votes" }, String(counts[tr] || 0)))));
}

function milestoneCard(board, m, ui, extra) {
  const { h, t, _ } = ui;
  return h("section", { class: "review-item", "data-milestone": m.id },
    h("h3", { text: m.title }),
    h("p", { class: "meta" }, _("Stand: {status}", { status: statusLabel(board, m.status, t) }),
      m.planned_date ? ` · ${_("geplant bis {date}", { date: m.planned_date })}` : ""),
    proposalList(board, m, ui), noteList(board, m, ui), ...(extra || []));
}

function indicatorCard(board, i, ui, extra) {
  const { h, _ } = ui;
  const latest = i.latest === null || i.latest === undefined ? "–" : `${i.latest} ${i.unit || ""}`.trim();
  return h("section", { class: "review-item", "data-indicator": i.id },
    h("h3", { text: i.name }),
    h("p", { class: "meta" }, _("Zuletzt gemessen: {value}", { value: latest }),
      i.target_value !== null && i.target_value !== undefined ? ` · ${_("Ziel: {value}", { value: i.target_value })}` : ""),
    trendList(board, i, ui), ...(extra || []));
}

function phoneMilestone(board, m, step, ui) {
  const { h, t, _ } = ui;
  const mine = (board.mine || {})[`status:${m.id}`];
  const noteInput = (kind, label) => {
    const id = `review-${kind}-${m.id}`;
    const input = h("input", { id, maxlength: 500, autocomplete: "off" });
    return h("form", { class: "stack", onsubmit: async (e) => {
      e.preventDefault();
      const ack = await ui.send("review.note", { milestone_id: m.id, kind, text: input.value });
      if (ack.ok) { input.value = ""; ui.announce(_("Gespeichert.")); }
    } }, h("label", { for: id }, label), input, h("button", { type: "submit" }, _("Senden")));
  };
  return [
    h("div", { class: "poll-options", role: "group", "aria-label": _("Ihr Vorschlag für den Stand") },
      (board.statuses || []).map((s) => h("button", {
        type: "button", class: `poll-btn${mine === s.key ? " chosen" : ""}`, "aria-pressed": mine === s.key ? "true" : "false",
        "data-status": s.key,
        onclick: async () => { const ack = await ui.send("review.propose", { milestone_id: m.id, status: s.key }); if (ack.ok) ui.announce(_("Vorschlag gespeichert.")); },
      }, t(s.label)))),
    noteInput("obstacle", _("Was hindert?")),
    noteInput("next", _("Nächster Schritt")),
  ];
}

function phoneIndicator(board, i, ui) {
  const { h, _ } = ui;
  const mine = (board.mine || {})[`trend:${i.id}`];
  return [h("div", { class: "poll-options", role: "group", "aria-label": _("Wie entwickelt sich der Indikator?") },
    TRENDS.map((tr) => h("button", {
      type: "button", class: `poll-btn${mine === tr ? " chosen" : ""}`, "aria-pressed": mine === tr ? "true" : "false", "data-trend": tr,
      onclick: async () => { const ack = await ui.send("review.trend", { indicator_id: i.id, trend: tr }); if (ack.ok) ui.announce(_("Einschätzung gespeichert.")); },
    }, trendLabel(ui, tr))))];
}

function decisionView(state, step, ui) {
  const { h, _ } = ui;
  const decision = boardOf(state, step).decision;
  return decision ? h("p", { class: "review-decision" }, h("strong", {}, _("Ergebnis:")), " ", h("span", { text: decision }))
    : h("p", { class: "meta" }, _("Das Ergebnis wird gleich festgehalten."));
}

export default {
  type: "milestone_review",
  label: ({ _ }) => _("Sachstand (Meilensteine und Indikatoren)"),
  help: ({ _ }) => _("Die Moderation zeigt einen Meilenstein oder Indikator nach dem anderen. Schlagen Sie den Stand vor, schreiben Sie, was hindert und was der nächste Schritt ist, und schätzen Sie ein, wie sich ein Indikator entwickelt."),
  phone(state, step, ui) {
    const { h, _ } = ui;
    if (step.mode === "decision") return [decisionView(state, step, ui)];
    const board = boardOf(state, step);
    const f = focused(board);
    if (!f) return [h("p", { class: "meta" }, _("Gleich zeigt die Moderation den ersten Meilenstein."))];
    return f.kind === "milestone"
      ? [milestoneCard(board, f.item, ui, phoneMilestone(board, f.item, step, ui))]
      : [indicatorCard(board, f.item, ui, phoneIndicator(board, f.item, ui))];
  },
  projector(state, step, ui) {
    const { h, _ } = ui;
    if (step.mode === "decision") return [decisionView(state, step, ui)];
    const board = boardOf(state, step);
    const f = focused(board);
    if (!f) {
      return [h("ul", { class: "review-overview" }, (board.milestones || []).map((m) =>
        h("li", { "data-milestone": m.id }, h("span", { text: m.title }), " – ", h("span", { text: statusLabel(board, m.status, ui.t) }))))];
    }
    return [f.kind === "milestone" ? milestoneCard(board, f.item, ui) : indicatorCard(board, f.item, ui),
      h("p", { class: "meta" }, _("Vorschläge und Einschätzungen vom Handy"))];
  },
  console(state, step, ui) {
    const { h, t, _ } = ui;
    if (step.mode === "decision") {
      const input = h("input", { id: "review-decision", maxlength: 2000 });
      return [decisionView(state, step, ui), h("form", { class: "stack", onsubmit: async (e) => {
        e.preventDefault();
        const ack = await ui.send("review.decide", { text: input.value });
        if (ack.ok) ui.announce(_("Ergebnis im Monitoring festgehalten."));
      } }, h("label", { for: "review-decision" }, _("Ergebnis (z. B. die Option mit dem geringsten Widerstand)")), input,
      h("button", { type: "submit", class: "primary" }, _("Ergebnis festhalten")))];
    }
    const board = boardOf(state, step);
    const f = focused(board);
    const focusButton = (kind, item, title) => h("button", {
      type: "button", class: `link${f && f.kind === kind && f.item.id === item.id ? " chosen" : ""}`, "data-focus": `${kind}:${item.id}`,
      onclick: () => ui.send("review.focus", { kind, item_id: item.id }) }, title);
    const out = [h("ol", { class: "review-agenda" },
      ...(board.milestones || []).map((m) => h("li", {}, focusButton("milestone", m, m.title), ` – ${statusLabel(board, m.status, t)}`)),
      ...(board.indicators || []).map((i) => h("li", {}, focusButton("indicator", i, i.name))))];
    if (f && f.kind === "milestone") {
      // One select per milestone: the console keeps what the facilitator chose across redraws.
      const selectId = `review-apply-status-${f.item.id}`;
      const select = h("select", { id: selectId }, (board.statuses || []).map((s) =>
        h("option", { value: s.key, ...(s.key === f.item.status ? { selected: true } : {}) }, t(s.label))));
      out.push(milestoneCard(board, f.item, ui, [h("form", { class: "inline", onsubmit: async (e) => {
        e.preventDefault();
        const ack = await ui.send("review.apply", { milestone_id: f.item.id, status: select.value });
        if (ack.ok) ui.announce(_("Stand übernommen."));
      } }, h("label", { for: selectId }, _("Vereinbarter Stand")), select,
      h("button", { type: "submit", class: "primary" }, _("In den Meilenstein übernehmen")))]));
    } else if (f) {
      const value = h("input", { id: "review-value", inputmode: "decimal", maxlength: 40, required: true });
      const source = h("input", { id: "review-value-source", maxlength: 300 });
      out.push(indicatorCard(board, f.item, ui, [h("form", { class: "stack", onsubmit: async (e) => {
        e.preventDefault();
        const ack = await ui.send("review.value", { indicator_id: f.item.id, value: value.value, source: source.value });
        if (ack.ok) { value.value = ""; ui.announce(_("Messwert eingetragen.")); }
      } }, h("label", { for: "review-value" }, _("Neuer Messwert")), value,
      h("label", { for: "review-value-source" }, _("Quelle")), source,
      h("button", { type: "submit", class: "primary" }, _("Messwert eintragen")))]));
    }
    return out;
  },
  events: {
    "review.changed": (s, p, e) => {
      const a = activityOf(s, p.step_key);
      for (const key of ["statuses", "milestones", "indicators", "focus", "proposals", "notes", "trends"]) {
        if (key in p) a[key] = p[key];
      }
      if (e.own && e.own.milestone_id && e.own.status) a.mine = { ...(a.mine || {}), [`status:${e.own.milestone_id}`]: e.own.status };
      if (e.own && e.own.indicator_id && e.own.trend) a.mine = { ...(a.mine || {}), [`trend:${e.own.indicator_id}`]: e.own.trend };
    },
    "review.decided": (s, p) => { activityOf(s, p.step_key).decision = p.decision; },
  },
};
