"""How good the suggestions are on a labelled card set (tests/fixtures/cluster_labelled_*.yaml):
the figures bench/suggestions.py prints and tests/unit/test_suggestions.py holds to.

- purity: of the cards placed in cluster suggestions, the share that belongs to its suggestion's
  main group (1.0: no suggestion mixes groups). Cards left out do not count here, so
- coverage: the share of all cards placed in some cluster suggestion;
- groups found: labelled groups that are the main group of at least one suggestion;
- duplicates found: labelled duplicate pairs that one duplicate suggestion holds together;
- duplicate precision: suggested duplicate pairs that are labelled duplicates.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

import yaml

from workshop.suggestions.grouping import CLUSTER, DUPLICATES, Similarity, Suggestion, suggest


@dataclass
class LabelledSet:
    language: str
    cards: list[tuple[int, str]]
    group_of: dict[int, str]
    duplicate_pairs: set[tuple[int, int]]

    @classmethod
    def load(cls, path: Path) -> LabelledSet:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        cards: list[tuple[int, str]] = []
        group_of: dict[int, str] = {}
        pairs: set[tuple[int, int]] = set()
        for group in data["groups"]:
            for entry in group["cards"]:
                same = entry if isinstance(entry, list) else [entry]
                ids = []
                for text in same:
                    card_id = len(cards) + 1
                    cards.append((card_id, text))
                    group_of[card_id] = group["name"]
                    ids.append(card_id)
                pairs |= set(combinations(ids, 2))
        return cls(data["language"], cards, group_of, pairs)


@dataclass
class Quality:
    cards: int
    purity: float
    coverage: float
    groups_found: int
    groups: int
    duplicates_found: float
    duplicate_precision: float
    suggestions: int

    def line(self) -> str:
        return (
            f"purity {self.purity:.2f}, coverage {self.coverage:.2f}, groups found {self.groups_found}/{self.groups}, "
            f"duplicates found {self.duplicates_found:.2f} (precision {self.duplicate_precision:.2f}), "
            f"{self.suggestions} suggestions for {self.cards} cards"
        )


def measure(labelled: LabelledSet, similarity: Similarity | None = None) -> Quality:
    return score(labelled, suggest(labelled.cards, similarity=similarity))


def score(labelled: LabelledSet, suggestions: list[Suggestion]) -> Quality:
    clusters = [s for s in suggestions if s.kind == CLUSTER]
    placed = sum(len(s.card_ids) for s in clusters)
    pure = 0
    main_groups = set()
    for s in clusters:
        group, count = Counter(labelled.group_of[i] for i in s.card_ids).most_common(1)[0]
        pure += count
        main_groups.add(group)
    suggested_pairs = {pair for s in suggestions if s.kind == DUPLICATES for pair in combinations(s.card_ids, 2)}
    true_pairs = labelled.duplicate_pairs
    return Quality(
        cards=len(labelled.cards),
        purity=pure / placed if placed else 0.0,
        coverage=placed / len(labelled.cards),
        groups_found=len(main_groups),
        groups=len(set(labelled.group_of.values())),
        duplicates_found=len(true_pairs & suggested_pairs) / len(true_pairs) if true_pairs else 1.0,
        duplicate_precision=len(true_pairs & suggested_pairs) / len(suggested_pairs) if suggested_pairs else 1.0,
        suggestions=len(suggestions),
    )
