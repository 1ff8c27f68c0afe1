// Merged cards (server: workshop/activities/card_merge.py): a card that holds others shows them as
// variants with their authors; card.merged / card.unmerged move cards and, for a phone, its own
// dots by the server's rule (summed up to the per-card maximum; back as they were on an unmerge,
// within the budget, unless the voter changed them since).
import { activityOf, h } from "../live.js";
import { _ } from "../i18n.js";
import { upsertCard } from "./cards.js";

const dropCards = (s, ids) => { s.cards = s.cards.filter((c) => !ids.includes(c.id)); };
const stepOf = (s, key) => s.steps.find((x) => x.key === key) || {};
const spent = (mine) => Object.values(mine).reduce((a, b) => a + b, 0);

function votesOnMerge(s, p) {
  for (const v of p.votes || []) {
    const a = activityOf(s, v.step_key);
    if (v.totals) {
      a.totals = { ...(a.totals || {}), ...v.totals };
      p.merged_ids.forEach((id) => delete a.totals[id]);
    }
    if (!a.mine) continue; // not a voter (staff, projector)
    const ids = [p.card.id, ...p.merged_ids];
    const before = Object.fromEntries(ids.filter((id) => a.mine[id]).map((id) => [String(id), a.mine[id]]));
    if (!Object.keys(before).length) continue;
    const after = Math.min(Object.values(before).reduce((x, y) => x + y, 0), stepOf(s, v.step_key).max_per_card);
    a.mine = { ...a.mine, [p.card.id]: after };
    p.merged_ids.forEach((id) => delete a.mine[id]);
    a.merges = { ...(a.merges || {}), [p.merge_id]: { before, after } };
    a.remaining = stepOf(s, v.step_key).budget - spent(a.mine);
  }
}

function votesOnUnmerge(s, p) {
  const restored = (p.data.cards || []).map((c) => c.id);
  for (const v of p.votes || []) {
    const a = activityOf(s, v.step_key);
    if (v.totals) a.totals = { ...(a.totals || {}), ...v.totals };
    const mine = (a.merges || {})[p.merge_id];
    if (!a.mine || !mine) continue;
    delete a.merges[p.merge_id];
    if ((a.mine[p.card.id] || 0) !== mine.after) continue; // changed since: the dots stay
    a.mine = { ...a.mine, [p.card.id]: mine.before[p.card.id] || 0 };
    const budget = stepOf(s, v.step_key).budget;
    for (const id of restored) {
      const give = Math.min(mine.before[id] || 0, Math.max(0, budget - spent(a.mine)));
      if (give) a.mine[id] = give;
    }
    a.remaining = budget - spent(a.mine);
  }
}

export const MERGE_EVENTS = {
  "card.merged": (s, p, e) => {
    if (e.own) return;
    if (p.gone) { dropCards(s, [p.card_id]); return; } // a replay's tombstone: the card is gone now
    const mineIds = new Set(s.cards.filter((c) => c.mine).map((c) => c.id));
    dropCards(s, p.merged_ids);
    const variants = (p.card.variants || []).map((v) => ({ ...v, mine: v.mine || mineIds.has(v.id) }));
    upsertCard(s, { ...p.card, variants }, false);
    votesOnMerge(s, p);
  },
  "card.unmerged": (s, p, e) => {
    if (e.own) return;
    if (p.gone) { dropCards(s, [p.card_id]); return; }
    const old = s.cards.find((c) => c.id === p.card.id);
    const mineIds = new Set(((old && old.variants) || []).filter((v) => v.mine).map((v) => v.id));
    upsertCard(s, p.card, false);
    for (const card of p.data.cards || []) {
      if (card.gone) dropCards(s, [card.id]);
      else upsertCard(s, card, mineIds.has(card.id));
    }
    votesOnUnmerge(s, p);
  },
};

// The variants under a card (console and phone); on the console with the button that undoes the merge.
export function variantList(card, send) {
  if (!card.variants || !card.variants.length) return null;
  return h("div", { class: "variants" },
    h("p", { class: "meta" }, card.variants.length === 1 ? _("Zusammengeführt mit 1 weiteren Beitrag:")
      : _("Zusammengeführt mit {count} weiteren Beiträgen:", { count: card.variants.length })),
    h("ul", {}, card.variants.map((v) => h("li", { "data-variant-id": v.id }, h("span", { text: v.text }),
      v.author ? h("span", { class: "card-author" }, ` – ${v.author}`) : null,
      v.mine ? h("span", { class: "card-author" }, ` – ${_("Ihr Beitrag")}`) : null))),
    send ? h("button", { type: "button", class: "link", onclick: () => send("card.unmerge", { card_id: card.id }) },
      _("Zusammenführung aufheben")) : null);
}

// The console's button: the selected cards become one (the first selected stays).
export function mergeSelected(ui, order) {
  const ids = order.filter((id) => ui.selected.has(id));
  return h("button", { type: "button", id: "merge-selected", disabled: ids.length < 2,
    onclick: async () => {
      const ack = await ui.send("card.merge", { card_ids: ids });
      if (ack.ok) { ids.forEach((id) => ui.selected.delete(id)); ui.announce(_("Beiträge zusammengeführt.")); }
    } }, _("Ausgewählte Beiträge zusammenführen ({count})", { count: ids.length }));
}
