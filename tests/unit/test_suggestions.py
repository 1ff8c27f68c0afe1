"""Cluster suggestions on the labelled sets (tests/fixtures/cluster_labelled_*.yaml): the figures
bench/suggestions.py prints (BENCHMARKS.md) are held here with a floor a little under them, so a
change that makes the suggestions worse fails."""

from __future__ import annotations

from pathlib import Path

import pytest

from workshop.suggestions.grouping import CLUSTER, DUPLICATES, suggest
from workshop.suggestions.quality import LabelledSet, measure
from workshop.suggestions.text import Analyser

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

# Measured (bench/suggestions.py): de purity 0.75, coverage 0.67, duplicates found 0.92;
# en purity 0.87, coverage 0.89, duplicates found 0.86.
FLOORS = {
    "de": {"purity": 0.72, "coverage": 0.6, "duplicates_found": 0.85, "duplicate_precision": 0.95},
    "en": {"purity": 0.84, "coverage": 0.8, "duplicates_found": 0.8, "duplicate_precision": 0.95},
}


@pytest.mark.parametrize("language", ["de", "en"])
def test_the_labelled_set_is_large_enough_and_its_suggestions_reach_the_measured_quality(language):
    labelled = LabelledSet.load(FIXTURES / f"cluster_labelled_{language}.yaml")
    assert len(labelled.cards) >= {"de": 80, "en": 40}[language]
    quality = measure(labelled)
    for figure, floor in FLOORS[language].items():
        assert getattr(quality, figure) >= floor, f"{figure}: {quality.line()}"
    assert quality.groups_found == quality.groups, quality.line()


def test_each_suggestion_names_words_its_cards_share():
    labelled = LabelledSet.load(FIXTURES / "cluster_labelled_de.yaml")
    texts = dict(labelled.cards)
    analysed = {c.id: c for c in Analyser().analyse(labelled.cards)}
    suggestions = suggest(labelled.cards)
    assert suggestions
    for suggestion in suggestions:
        assert suggestion.words, suggestion
        assert suggestion.title == " · ".join(suggestion.words[:2])
        # the first word names a term that at least two of the cards have (a word or a compound's part)
        terms = [set(analysed[i].terms) for i in suggestion.card_ids]
        shared = set.union(*[a & b for n, a in enumerate(terms) for b in terms[n + 1 :]])
        assert any(
            analysed[i].surfaces.get(t) == suggestion.words[0] for i in suggestion.card_ids for t in shared
        ) or any(suggestion.words[0].lower() in texts[i].lower() for i in suggestion.card_ids), suggestion


def test_compounds_share_their_parts_and_inflections_their_stem():
    cards = [(1, "Sprechstunden im Seniorentreff"), (2, "Schulungen für Senioren")]
    [suggestion] = suggest(cards)
    assert suggestion.kind == CLUSTER and suggestion.card_ids == (1, 2)
    assert suggestion.words[0] == "Senioren"


def test_near_duplicates_are_suggested_for_merging_also_with_a_typo():
    cards = [
        (1, "Breitbandausbau in den Ortsteilen beschleunigen"),
        (2, "Breitbandausbau in den Ortsteilen beschleunigne"),
        (3, "Fahrpläne von Bus und Bahn abstimmen"),
    ]
    kinds = {(s.kind, s.card_ids) for s in suggest(cards)}
    assert (DUPLICATES, (1, 2)) in kinds


def test_synonyms_without_a_shared_stem_stay_apart():
    """What the lexical method cannot do (README): the same thing in other words."""
    cards = [(1, "Mehr Platz für den Radverkehr"), (2, "Sichere Abstellanlagen für Fahrräder")]
    assert suggest(cards) == []


def test_a_rejected_suggestion_is_not_made_again_and_clustered_cards_are_left_out():
    cards = [(1, "Schulungen für Senioren"), (2, "Senioren ohne Smartphone"), (3, "Senioren im Beirat")]
    [first] = suggest(cards)
    assert first.card_ids == (1, 2, 3)
    assert suggest(cards, rejected={first.key}) == []
    [narrower] = suggest(cards, clusterable={1, 2})
    assert narrower.card_ids == (1, 2)


def _cluster_room(make_room):
    room = make_room("knowledge_merge")
    room.start()
    kim = room.join("Kim")
    room.goto("knowledge")
    texts = ["Schulungen für Senioren", "Senioren ohne Smartphone", "Glasfaser im Gewerbegebiet"]
    ids = [room.apply(kim, "card.add", step_key="knowledge", text=t).result["card_id"] for t in texts]
    room.apply(room.facilitator, "step.reveal", step_key="knowledge")
    room.goto("clusters")
    return room, ids


def test_an_accepted_suggestion_is_a_cluster_of_its_cards_named_by_their_shared_words(make_room):
    from workshop.activities.cluster_suggestions import suggestion_input
    from workshop.live.snapshot import build_snapshot
    from workshop.ops import VIEWER, Actor

    room, (a, b, c) = _cluster_room(make_room)
    with room.db() as db:
        cards, free = suggestion_input(db, room.ws(db), room.ws(db).current)
    [suggestion] = [s for s in suggest(cards, clusterable=free) if s.kind == CLUSTER]
    assert suggestion.card_ids == (a, b)
    accepted = room.apply(room.facilitator, "cluster.accept_suggestion", card_ids=list(suggestion.card_ids))
    payload = accepted.event["payload"]
    assert payload["cluster"]["title"] == "Senioren" and payload["words"] == ["Senioren"]
    assert payload["card_ids"] == [a, b]
    with room.db() as db:
        snapshot = build_snapshot(db, room.ws(db), Actor(VIEWER))
    cluster_id = payload["cluster"]["id"]
    assert {card["id"]: card["cluster_id"] for card in snapshot["cards"]} == {a: cluster_id, b: cluster_id, c: None}
    assert snapshot["activity"]["clusters"]["clusters"] == [payload["cluster"]]
    # the same cards again: they are in a cluster now
    refused = room.refused(room.facilitator, "cluster.accept_suggestion", card_ids=[a, b])
    assert refused.code == "suggestion_outdated"
    with room.db() as db:
        cards, free = suggestion_input(db, room.ws(db), room.ws(db).current)
    assert free == {c}


def test_a_rejected_suggestion_is_remembered_for_the_staff_only(make_room):
    from workshop.activities.cluster_suggestions import rejected_keys
    from workshop.live.snapshot import build_snapshot
    from workshop.ops import VIEWER, Actor

    room, (a, b, _c) = _cluster_room(make_room)
    rejected = room.apply(room.facilitator, "cluster.reject_suggestion", kind=CLUSTER, card_ids=[b, a])
    assert rejected.event["payload"] == {"step_key": "clusters", "key": f"c:{a}-{b}"}
    assert rejected.public_event["payload"] == {"step_key": "clusters", "redacted": True}
    with room.db() as db:
        assert rejected_keys(room.ws(db), "clusters") == [f"c:{a}-{b}"]
        runtime = build_snapshot(db, room.ws(db), Actor(VIEWER))["runtime"]["clusters"]
    assert "rejected_suggestions" not in runtime
    assert room.refused(room.facilitator, "cluster.reject_suggestion", kind="other", card_ids=[a, b]).code == "invalid"
