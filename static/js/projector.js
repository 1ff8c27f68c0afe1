// The room's projector: current prompt, cards or results, timer and spotlight — for the back row.
import { _ } from "./i18n.js";
import { ACTIVITIES } from "./activities/index.js";
import { connectLive, currentStep, h, othersHiddenCount, setConnection, t, visibleCards, fill } from "./live.js";
import { actionList, capturedFields, clusterBoard, consentResult, pollResults, spotlightBanner, stepNotices,
  timerBadge, voteResults } from "./widgets.js";

const $ = (id) => document.getElementById(id);
const live = connectLive({ onChange: render, onStatus: setConnection });
setInterval(() => {
  const state = live.state;
  if (state && state.session.status === "live") fill($("timer"), timerBadge(state, currentStep(state)) || "");
}, 1000);

function board(state, step) {
  const mod = ACTIVITIES[step.type];
  if (mod) return h("div", {}, ...mod.projector(state, step, { h, t, _, fill }));
  const runtime = state.runtime[step.key] || {};
  if (["brainstorm", "draft"].includes(step.type)) {
    if (step.silent && !runtime.revealed) {
      return h("p", { class: "big-count" }, _("{value} Karten eingegangen – aufgedeckt wird gemeinsam.", { value: othersHiddenCount(state, step.key) }));
    }
    const cards = visibleCards(state, step.key);
    return h("div", { class: "columns" }, step.columns.map((c) => h("section", { class: "column" },
      step.columns.length > 1 ? h("h2", { text: t(c.title) }) : null,
      h("ul", { class: "cards" }, cards.filter((x) => x.column_key === c.key)
        .map((card) => h("li", { class: "card", "data-card-id": card.id }, h("span", { class: "card-text", text: card.text })))))));
  }
  if (step.type === "cluster") return clusterBoard(state, step);
  if (step.type === "dot_vote") {
    if (step.hidden && !runtime.revealed) return h("p", { class: "big-count" }, _("Abstimmung läuft – das Ergebnis wird aufgedeckt."));
    return voteResults(state, step);
  }
  if (step.type === "consent") {
    return h("div", {}, h("ul", { class: "cards" }, visibleCards(state, step.key).map((o) => h("li", { class: "card" },
      h("span", { class: "card-text", text: o.text })))), consentResult(state, step));
  }
  if (step.type === "poll") return pollResults(state, step);
  if (step.type === "action_items") return actionList(state, step);
  return h("div", {}, capturedFields(state).map((c) => h("section", { class: "column" },
    h("h2", { text: c.field_label || c.field_key }), h("ul", {}, c.lines.map((l) => h("li", { text: l }))))));
}

function render(state) {
  if (!state) return;
  $("participants").textContent = state.participants;
  document.body.classList.toggle("waiting", state.session.status === "ready");
  if (state.session.status === "ready") {
    fill($("step"), h("p", { class: "eyebrow" }, _("Baustein {unit}: {value}", { unit: state.session.unit, value: t(state.session.template_title) })),
      h("h1", { text: state.session.title }), h("p", { class: "prompt" }, _("Scannen Sie den QR-Code oder geben Sie den Code ein.")));
    fill($("board"), );
    return;
  }
  if (state.session.status === "ended") {
    fill($("step"), h("h1", {}, _("Vielen Dank!")), h("p", { class: "prompt" }, _("Die Sitzung ist beendet.")));
    fill($("board"), );
    return;
  }
  const step = currentStep(state);
  fill($("step"), spotlightBanner(state),
    h("p", { class: "eyebrow" }, _("Schritt {value} von {steps}", { value: state.session.current_step + 1, steps: state.steps.length })),
    h("h1", { text: t(step.title) }), step.prompt ? h("p", { class: "prompt", text: t(step.prompt) }) : null,
    ...stepNotices(state, step));
  fill($("board"), board(state, step));
}
