// The room's projector: current prompt, cards or results, big enough for the back row.
import { cardsOf, connectLive, currentStep, h, rankByVotes, setConnection, t, totalsOf } from "./live.js";

const $ = (id) => document.getElementById(id);
connectLive({ onChange: render, onStatus: setConnection });

function render(state) {
  if (!state) return;
  $("participants").textContent = state.participants;
  document.body.classList.toggle("waiting", state.session.status === "ready");
  if (state.session.status === "ready") {
    $("step").replaceChildren(h("p", { class: "eyebrow" }, `Baustein ${state.session.unit}: ${t(state.session.template_title)}`),
      h("h1", { text: state.session.title }), h("p", { class: "prompt" }, "Scannen Sie den QR-Code oder geben Sie den Code ein."));
    $("board").replaceChildren();
    return;
  }
  if (state.session.status === "ended") {
    $("step").replaceChildren(h("h1", {}, "Vielen Dank!"), h("p", { class: "prompt" }, "Die Sitzung ist beendet."));
    $("board").replaceChildren();
    return;
  }
  const step = currentStep(state);
  $("step").replaceChildren(h("p", { class: "eyebrow" }, `Schritt ${state.session.current_step + 1} von ${state.steps.length}`),
    h("h1", { text: t(step.title) }), step.prompt ? h("p", { class: "prompt", text: t(step.prompt) }) : null);
  if (step.type === "brainstorm") {
    const cards = cardsOf(state, step.key);
    $("board").replaceChildren(h("div", { class: "columns" }, step.columns.map((c) => h("section", { class: "column" },
      step.columns.length > 1 ? h("h2", { text: t(c.title) }) : null,
      h("ul", { class: "cards" }, cards.filter((x) => x.column_key === c.key)
        .map((card) => h("li", { class: "card", "data-card-id": card.id }, h("span", { class: "card-text", text: card.text }))))))));
  } else if (step.type === "dot_vote") {
    const totals = totalsOf(state, step.key);
    const cards = rankByVotes(cardsOf(state, step.source), totals);
    const max = Math.max(1, ...cards.map((c) => totals[c.id] || 0));
    $("board").replaceChildren(h("ol", { class: "results" }, cards.map((card) => {
      const votes = totals[card.id] || 0;
      const bar = h("span", { class: "bar" });
      bar.style.width = `${(votes / max) * 100}%`;
      return h("li", { "data-card-id": card.id }, h("span", { class: "card-text", text: card.text }),
        h("span", { class: "bar-track" }, bar), h("span", { class: "votes" }, String(votes)));
    })));
  } else {
    const latest = new Map();
    state.captures.forEach((c) => latest.set(c.field_key, c));
    $("board").replaceChildren(...[...latest.values()].map((c) => h("section", { class: "column" },
      h("h2", { text: c.field_label || c.field_key }), h("ul", {}, c.lines.map((l) => h("li", { text: l }))))));
  }
}
