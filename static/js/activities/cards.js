// Cards are shared by several activities (brainstorm, draft, consent options, the sources of
// cluster and vote): their events and the pieces that draw them live here, once.
function dropCard(s, cardId) {
  s.cards = s.cards.filter((c) => c.id !== cardId);
  if (s.spotlight && s.spotlight.card_id === cardId) s.spotlight = null; // the room no longer sees it
}

export function upsertCard(s, card, mine) {
  if (card.gone) { dropCard(s, card.id); return; } // a tombstone in a replay: only the id is left
  if (s.spotlight && s.spotlight.card_id === card.id) s.spotlight = { ...s.spotlight, text: card.text };
  const old = s.cards.find((c) => c.id === card.id);
  if (old) Object.assign(old, card, { mine: mine || old.mine });
  else s.cards.push({ ...card, mine: !!mine });
}

// The own form of card.added / card.edited is the ack's `card`: our card, also while the room
// sees only a redacted placeholder (silent step, moderation).
const ownCard = (s, e) => { if (e.own.card) upsertCard(s, e.own.card, true); };

export const CARD_EVENTS = {
  "card.added": (s, p, e) => {
    if (e.own) return ownCard(s, e);
    if (p.gone) { dropCard(s, p.card_id); return; }
    if (p.redacted) { (s.redacted[p.step_key] = s.redacted[p.step_key] || new Set()).add(p.card_id); return; }
    upsertCard(s, p.card, false);
  },
  "card.edited": (s, p, e) => {
    if (e.own) return ownCard(s, e);
    if (p.gone) dropCard(s, p.card_id);
    else if (!p.redacted) upsertCard(s, p.card, false);
  },
  "card.shown": (s, p, e) => {
    if (e.own) return;
    if (p.gone) dropCard(s, p.card_id);
    else if (!p.redacted) upsertCard(s, p.card, false);
  },
  "card.hidden": (s, p, e) => {
    if (e.own) return;
    if (p.card) { // the facilitator keeps seeing it, marked hidden; it leaves the spotlight
      upsertCard(s, p.card, false);
      if (s.spotlight && s.spotlight.card_id === p.card.id) s.spotlight = null;
    } else dropCard(s, p.card_id);
  },
  "card.deleted": (s, p, e) => { if (!e.own) dropCard(s, p.card_id); },
};
