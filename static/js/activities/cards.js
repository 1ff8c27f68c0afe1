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
  const own = mine || !!card.mine; // our own form of an event says so (`mine: true`)
  if (old) Object.assign(old, card, { mine: own || old.mine });
  else s.cards.push({ ...card, mine: own });
}

// The ack's `card` is our card as we see it (our event carried it already, as the room's event
// carries the room's form; docs/realtime.md, "Three forms").
const ownCard = (s, e) => { if (e.own.card) upsertCard(s, e.own.card, true); };

function redacted(s, p) {
  (s.redacted[p.step_key] = s.redacted[p.step_key] || new Set()).add(p.card_id);
}

export const CARD_EVENTS = {
  "card.added": (s, p, e) => {
    if (e.own) return ownCard(s, e);
    if (p.gone) { dropCard(s, p.card_id); return; }
    if (p.redacted) { redacted(s, p); return; }
    upsertCard(s, p.card, false);
  },
  "card.edited": (s, p, e) => {
    if (e.own) return ownCard(s, e);
    if (p.gone) dropCard(s, p.card_id);
    // An edit the room may not see yet: a moderated card back in the queue leaves the room's
    // screens (and the spotlight) until it is approved again.
    else if (p.redacted) { dropCard(s, p.card_id); redacted(s, p); }
    else upsertCard(s, p.card, false);
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
