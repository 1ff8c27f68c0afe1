"""Cluster and duplicate suggestions for a set of cards: a pure function, no database, no I/O.

How:
1. Each card becomes terms (text.py: stop words out, Snowball stems, German compounds opened).
2. Two cards are as similar as the cosine of their tf-idf term weights: a word that many cards
   use ("Stadt") weighs less than one that two cards share ("Seniorentreff").
3. Groups grow by average linkage: the two groups whose cards are most similar on average join,
   while that average is at least THRESHOLD. A group of two or more is a suggestion, named by the
   words most of its cards share.
4. Near-duplicates are cards whose stemmed words are nearly the same (RapidFuzz's token sort
   ratio, which also forgives a typo) or whose terms are nearly the same (cosine).

What it cannot do: join cards that say the same in other words ("Fahrrad" / "Radverkehr",
"Glasfaser" / "Breitband") — no shared stem, no similarity. semantic.py can add meaning where a
packaged model is installed; README and BENCHMARKS.md give the figures for both.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from workshop.suggestions.text import Analyser, Card

THRESHOLD = 0.15  # average cosine at which two groups still join (tuned on tests/fixtures/cluster_labelled_*)
DUPLICATE_RATIO = 82  # RapidFuzz token sort ratio (0-100) of the stemmed words
DUPLICATE_COSINE = 0.8
DUPLICATE_CANDIDATE = 0.3  # pairs less alike than this are not compared character by character
MAX_GROUP = 12  # a suggestion larger than this is split further (a facilitator checks it card by card)
MAX_TERMS = 4  # shared words named per suggestion

CLUSTER, DUPLICATES = "cluster", "duplicates"


@dataclass(frozen=True)
class Suggestion:
    kind: str  # CLUSTER (make these a cluster) | DUPLICATES (merge these cards)
    card_ids: tuple[int, ...]
    words: tuple[str, ...]  # the words the cards share, most shared first (as people wrote them)
    score: float  # average similarity of its cards (0-1)

    @property
    def key(self) -> str:
        """Stable for the same cards: how a rejection is remembered."""
        return key_of(self.kind, self.card_ids)

    @property
    def title(self) -> str:
        return " · ".join(self.words[:2])

    def view(self) -> dict:
        return {
            "key": self.key,
            "kind": self.kind,
            "card_ids": list(self.card_ids),
            "words": list(self.words),
            "title": self.title,
            "score": round(self.score, 3),
        }


def key_of(kind: str, card_ids: Collection[int]) -> str:
    return f"{kind[0]}:{'-'.join(str(i) for i in sorted(card_ids))}"


# (card a, card b) -> similarity in 0..1; the default is the lexical cosine. semantic.py gives one
# that also knows meaning.
Similarity = Callable[[list[Card]], dict[tuple[int, int], float]]


def suggest(
    cards: Sequence[tuple[int, str]],
    *,
    clusterable: Collection[int] | None = None,
    rejected: Collection[str] = (),
    similarity: Similarity | None = None,
) -> list[Suggestion]:
    """Suggestions for the cards (id, text): duplicates first, then clusters, best first.

    clusterable: the cards that may go into a cluster suggestion (those not in a cluster yet;
    default all); duplicates are looked for among all cards. rejected: keys of suggestions the
    facilitator turned down, never suggested again for the same cards.
    """
    analysed = Analyser().analyse(list(cards))
    weights = tfidf(analysed)
    sims = similarity(analysed) if similarity else cosines(analysed, weights)
    rejected = set(rejected)
    found = duplicates(analysed, weights)
    out = [s for s in found if s.key not in rejected]
    same = {frozenset(s.card_ids) for s in found}  # a cluster of just a duplicate set says nothing new
    allowed = set(clusterable) if clusterable is not None else {c.id for c in analysed}
    members = [c for c in analysed if c.id in allowed]
    for group in average_linkage([c.id for c in members], sims):
        chosen = [c for c in members if c.id in group]
        suggestion = Suggestion(CLUSTER, tuple(sorted(group)), shared_words(chosen), _mean(group, sims))
        if suggestion.key not in rejected and frozenset(group) not in same:
            out.append(suggestion)
    kinds = {DUPLICATES: 0, CLUSTER: 1}
    return sorted(out, key=lambda s: (kinds[s.kind], -s.score * math.sqrt(len(s.card_ids)), s.card_ids))


def tfidf(cards: list[Card]) -> dict[int, dict[str, float]]:
    """Card id -> term -> weight (tf × idf), each card's vector of length 1."""
    df = Counter(term for card in cards for term in card.terms)
    n = len(cards)
    vectors = {}
    for card in cards:
        vector = {term: w * math.log(1 + n / df[term]) for term, w in card.terms.items()}
        norm = math.sqrt(sum(v * v for v in vector.values())) or 1.0
        vectors[card.id] = {term: v / norm for term, v in vector.items()}
    return vectors


def cosines(cards: list[Card], weights: dict[int, dict[str, float]]) -> dict[tuple[int, int], float]:
    """(a, b) with a < b -> cosine, for the pairs that share a term (the others are 0)."""
    by_term: dict[str, list[int]] = {}
    for card in cards:
        for term in card.terms:
            by_term.setdefault(term, []).append(card.id)
    sims: dict[tuple[int, int], float] = {}
    for term, ids in by_term.items():
        if len(ids) < 2 or len(ids) > max(8, len(cards) // 3):  # a word on a third of the cards joins nothing
            continue
        for i, a in enumerate(ids):
            wa = weights[a][term]
            for b in ids[i + 1 :]:
                pair = (a, b) if a < b else (b, a)
                sims[pair] = sims.get(pair, 0.0) + wa * weights[b][term]
    return sims


def average_linkage(ids: list[int], sims: dict[tuple[int, int], float]) -> list[set[int]]:
    """Groups of two or more, joined while their average similarity is at least THRESHOLD.

    Only pairs of groups with a similar pair of cards are ever compared, so a set of 150 cards
    with a few hundred similar pairs takes milliseconds, not the n³ of the textbook loop."""
    present = set(ids)
    groups: dict[int, set[int]] = {i: {i} for i in ids}
    # group -> neighbour group -> sum of the card similarities between them
    links: dict[int, dict[int, float]] = {i: {} for i in ids}
    for (a, b), s in sims.items():
        if a in present and b in present and s > 0:
            links[a][b] = links[b][a] = s
    while True:
        best, pair = 0.0, None
        for g, neighbours in links.items():
            size = len(groups[g])
            for h, total in neighbours.items():
                if h <= g:
                    continue
                if size + len(groups[h]) > MAX_GROUP:
                    continue
                average = total / (size * len(groups[h]))
                if average > best:
                    best, pair = average, (g, h)
        if pair is None or best < THRESHOLD:
            break
        g, h = pair
        groups[g] |= groups.pop(h)
        for k, total in links.pop(h).items():
            if k == g:
                continue
            links[k].pop(h, None)
            links[g][k] = links[k][g] = links[g].get(k, 0.0) + total
        links[g].pop(h, None)
    return [group for group in groups.values() if len(group) > 1]


def duplicates(cards: list[Card], weights: dict[int, dict[str, float]]) -> list[Suggestion]:
    """Sets of cards that say nearly the same (each card in one set at most)."""
    joined: dict[int, set[int]] = {}
    texts = {c.id: " ".join(c.stems) for c in cards}
    by_id = {c.id: c for c in cards}
    for (a, b), cosine in _shared_term_cosines(cards, weights).items():
        if len(by_id[a].stems) < 2 or len(by_id[b].stems) < 2 or cosine < DUPLICATE_CANDIDATE:
            continue
        ratio = fuzz.token_sort_ratio(texts[a], texts[b], score_cutoff=DUPLICATE_RATIO)
        if ratio or cosine >= DUPLICATE_COSINE:
            group = joined.get(a) or joined.get(b) or {a}
            group |= {a, b}
            for card_id in group:
                joined[card_id] = group
    out, seen = [], set()
    for group in joined.values():
        if id(group) in seen:
            continue
        seen.add(id(group))
        chosen = [c for c in cards if c.id in group]
        pairs = [(x.id, y.id) for x in chosen for y in chosen if x.id < y.id]
        score = sum(sum(w * weights[y].get(t, 0.0) for t, w in weights[x].items()) for x, y in pairs) / len(pairs)
        out.append(Suggestion(DUPLICATES, tuple(sorted(group)), shared_words(chosen), min(score, 1.0)))
    return out


def _shared_term_cosines(cards: list[Card], weights: dict[int, dict[str, float]]) -> dict[tuple[int, int], float]:
    """Cosine of every pair that shares a term, however common (cosines() skips common words)."""
    by_term: dict[str, list[int]] = {}
    for card in cards:
        for term in card.terms:
            by_term.setdefault(term, []).append(card.id)
    sims: dict[tuple[int, int], float] = {}
    for term, ids in by_term.items():
        for i, a in enumerate(ids):
            wa = weights[a][term]
            for b in ids[i + 1 :]:
                pair = (a, b) if a < b else (b, a)
                sims[pair] = sims.get(pair, 0.0) + wa * weights[b][term]
    return sims


def shared_words(chosen: list[Card]) -> tuple[str, ...]:
    """The terms at least two of the chosen cards have, most shared first, as people wrote them."""
    counts = Counter(term for card in chosen for term in card.terms)
    shared = [term for term, n in counts.items() if n >= 2]
    shared.sort(key=lambda t: (-counts[t], t))
    words: list[str] = []
    for term in shared:
        word = _surface(term, chosen) or term
        if word.lower() not in (w.lower() for w in words):
            words.append(word)
        if len(words) == MAX_TERMS:
            break
    return tuple(words)


def _surface(term: str, cards: list[Card]) -> str | None:
    written = Counter(card.surfaces[term] for card in cards if term in card.surfaces)
    return written.most_common(1)[0][0] if written else None


def _mean(group: set[int], sims: dict[tuple[int, int], float]) -> float:
    ids = sorted(group)
    pairs = [(a, b) for i, a in enumerate(ids) for b in ids[i + 1 :]]
    return sum(sims.get(p, 0.0) for p in pairs) / len(pairs) if pairs else 0.0
