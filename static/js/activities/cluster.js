// Cluster: the facilitator groups the cards of an earlier step; everyone sees the groups.
import { clusterBoard, clustersOf } from "../widgets.js";
import { activityOf } from "../live.js";
import { SUGGESTION_EVENTS, suggestionPanel } from "./cluster_suggestions.js";
import { MERGE_EVENTS, mergeSelected, variantList } from "./card_merge.js";

function consoleBoard(state, s, ui) {
  const { h, _ } = ui;
  if (!ui.may.run) return [clusterBoard(state, s)]; // an observer sees the groups, changes none
  const send = ui.send;
  const clusters = clustersOf(state, s.key);
  const title = h("input", { id: "cluster-title", maxlength: 200, placeholder: _("Neuer Cluster") });
  const board = clusterBoard(state, s, {
    cardExtra: (card) => [h("input", { type: "checkbox", class: "merge-pick", "aria-label": _("Zum Zusammenführen auswählen: {text}", { text: card.text }),
      checked: ui.selected.has(card.id), onchange: (e) => { if (e.target.checked) ui.selected.add(card.id); else ui.selected.delete(card.id); ui.redraw(); } }),
    variantList(card, send), h("select", { "aria-label": _("Cluster für: {text}", { text: card.text }),
      onchange: (e) => send("card.cluster", { card_id: card.id, cluster_id: e.target.value ? Number(e.target.value) : null }) },
    h("option", { value: "" }, _("– ohne Cluster –")),
    clusters.map((cl) => h("option", { value: cl.id, selected: card.cluster_id === cl.id }, cl.title)))],
  });
  board.querySelectorAll("section.cluster").forEach((section) => {
    const cluster = clusters.find((cl) => String(cl.id) === section.dataset.clusterId) || null;
    section.addEventListener("dragover", (e) => e.preventDefault());
    section.addEventListener("drop", (e) => {
      e.preventDefault();
      send("card.cluster", { card_id: Number(e.dataTransfer.getData("text/plain")), cluster_id: cluster ? cluster.id : null });
    });
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
    const ack = await send("cluster.create", { title: title.value }); if (ack.ok) ui.clearFields(["cluster-title"]); } },
  h("label", { for: "cluster-title", class: "visually-hidden" }, _("Neuer Cluster")), title, h("button", { type: "submit" }, _("Cluster anlegen"))),
  h("p", { class: "meta" }, _("Beiträge per Ziehen oder mit der Auswahl unter jedem Beitrag zuordnen.")),
  mergeSelected(ui, state.cards.filter((c) => c.step_key === s.source).map((c) => c.id)),
  suggestionPanel(state, s, ui), board];
}

export default {
  type: "cluster",
  label: ({ _ }) => _("Ordnen"),
  help: ({ _ }) => _("Die Moderation ordnet die Beiträge zu Gruppen. Sie müssen hier nichts eingeben: Schauen Sie mit und sagen Sie, wenn ein Beitrag woanders hingehört."),
  phone: (state, step) => [clusterBoard(state, step)],
  projector: (state, step) => [clusterBoard(state, step, { groups: true })],
  console: consoleBoard,
  // The suggestions' events, and merged cards' (card_merge.js: every page reduces them, whatever the step).
  events: {
    ...SUGGESTION_EVENTS,
    ...MERGE_EVENTS,
    "card.clustered": (s, p, e) => { if (e.own) return; const c = s.cards.find((x) => x.id === p.card_id); if (c) c.cluster_id = p.cluster_id; },
    "cluster.created": (s, p, e) => { if (e.own) return; const a = activityOf(s, p.cluster.step_key); (a.clusters = a.clusters || []).push(p.cluster); },
    "cluster.renamed": (s, p, e) => {
      if (e.own) return;
      const a = activityOf(s, p.cluster.step_key);
      a.clusters = (a.clusters || []).map((c) => (c.id === p.cluster.id ? p.cluster : c));
    },
    "cluster.deleted": (s, p, e) => {
      if (e.own) return;
      for (const a of Object.values(s.activity)) if (a.clusters) a.clusters = a.clusters.filter((c) => c.id !== p.cluster_id);
      s.cards.forEach((c) => { if (c.cluster_id === p.cluster_id) c.cluster_id = null; });
    },
  },
};
