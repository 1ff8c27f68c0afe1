"""The review format (Sachstand und Selbstevaluation) through the engine: status proposals,
obstacles and next steps, trends, the agreed status and a new value captured into the monitoring
with provenance, and the consent's result recorded as the review's decision — on a mandated measure."""

from __future__ import annotations

from workshop.measures import monitoring
from workshop.measures import record as record_ops
from workshop.measures.models import Measure
from workshop.monitoring import progress
from workshop.ops import Actor


def _prepare(room):
    with room.db() as db:
        ws = room.ws(db)
        measure = db.get(Measure, ws.measure_id)
        a = record_ops.save_milestone(
            db, measure, None, {"title": "Konzept", "planned_date": "2026-01-01"}, author_id=None
        )
        b = record_ops.save_milestone(db, measure, None, {"title": "Pilot", "weight": 3}, author_id=None)
        i = record_ops.save_indicator(
            db, measure, None, {"name": "Nutzende", "baseline_value": 0, "target_value": 100}, author_id=None
        )
        for to in ("draft", "mandated", "in_implementation"):
            record_ops.advance_status(db, measure, to, None)
        db.commit()
        return measure.id, a.id, b.id, i.id


def test_a_review_moves_milestones_and_adds_a_value_with_provenance(make_room):
    room = make_room("review")
    mid, a, b, i = _prepare(room)
    anna, ben = room.join("Anna"), room.join()
    room.start()
    room.goto("status")
    fac = room.facilitator
    room.apply(fac, "review.focus", kind="milestone", item_id=a)
    room.apply(anna, "review.propose", milestone_id=a, status="done")
    room.apply(ben, "review.propose", milestone_id=a, status="done")
    room.apply(anna, "review.note", milestone_id=a, kind="next", text="Abnahme im Ausschuss")
    refused = room.refused(ben, "review.propose", milestone_id=a, status="fertig")
    assert refused.code == "invalid"
    room.apply(fac, "review.apply", milestone_id=a, status="done")
    room.apply(fac, "review.focus", kind="milestone", item_id=b)
    room.apply(ben, "review.note", milestone_id=b, kind="obstacle", text="Personal fehlt")
    room.apply(fac, "review.apply", milestone_id=b, status="active")
    room.apply(fac, "review.focus", kind="indicator", item_id=i)
    room.apply(anna, "review.trend", indicator_id=i, trend="better")
    room.apply(fac, "review.value", indicator_id=i, value="40", source="Zählung")
    assert (
        room.refused(Actor("participant", anna.id), "review.apply", milestone_id=b, status="done").code == "forbidden"
    )
    room.goto("continuation")
    room.goto("decision")
    room.apply(fac, "review.decide", text="Fortführen wie geplant")
    with room.db() as db:
        measure = db.get(Measure, mid)
        milestones = {m.id: m for m in monitoring.milestones_of(db, mid)}
        assert (milestones[a].status, milestones[b].status) == ("done", "active")
        assert "Nächster Schritt: Abnahme im Ausschuss" in milestones[a].note
        assert "Hindernis: Personal fehlt" in milestones[b].note
        [value] = monitoring.values_of(db, [i])[i]
        assert value.value == 40 and value.source_kind == "capture" and value.provenance["trends"] == {"better": 1}
        revisions = [r for r in monitoring.revisions_since(db, mid, None) if r.source_kind == "capture"]
        assert {r.session_id for r in revisions} == {room.session_id}
        first = next(r for r in revisions if r.item_id == a and r.item_kind == "milestone")
        assert first.source["proposals"] == {"done": 2} and len(first.source["card_ids"]) == 3
        [review] = monitoring.reviews_of(db, mid)
        assert review.decision == "Fortführen wie geplant" and review.session_id == room.session_id
        assert [line["text"] for line in review.lines][0].startswith("Fortführen wie geplant")
        p = progress.measure_progress(db, measure)
        assert p.milestone_share == 0.25 and p.indicator_share == 0.4
