"""Milestones, indicators and measured values through the record path: checks, the lock rule
after the mandate, one revision per change, the state as of a past day, and the progress roll-up."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from workshop.accounts.models import Facilitator
from workshop.measures import monitoring
from workshop.measures import record as record_ops
from workshop.measures.models import Measure
from workshop.measures.monitoring import MonitoringRefused, MonitoringRevision
from workshop.measures.status import StatusError
from workshop.monitoring import progress


@pytest.fixture
def world(sessions):
    with sessions() as db:
        user = Facilitator(email="m@example.org", display_name="Mo Nitor", password_hash="!")
        db.add(user)
        measure = Measure(title="Monitoring-Test")
        db.add(measure)
        db.commit()
        return sessions, measure.id, user.id


def _mandate(db, measure, user_id):
    for to in ("draft", "mandated"):
        record_ops.advance_status(db, measure, to, user_id)


def revisions(db) -> int:
    return db.scalar(select(func.count(MonitoringRevision.id)))


def test_milestone_fields_are_checked_and_each_error_names_its_field(world):
    sessions, mid, uid = world
    with sessions() as db:
        measure = db.get(Measure, mid)
        for values, field, word in (
            ({"title": ""}, "title", "Titel"),
            ({"title": "A", "planned_date": "31.02.2026"}, "planned_date", "Geplant bis"),
            ({"title": "A", "status": "fertig"}, "status", "Stand"),
            ({"title": "A", "weight": "zwei"}, "weight", "Gewicht"),
            ({"title": "A", "weight": "0"}, "weight", "Gewicht"),
            ({"title": "A", "evidence_url": "javascript:alert(1)"}, "evidence_url", "Nachweis"),
            ({"title": "A", "responsible": "a@b.de"}, "responsible", "Verantwortlich"),
        ):
            with pytest.raises(MonitoringRefused) as caught:
                record_ops.save_milestone(db, measure, None, values, author_id=uid)
            assert caught.value.field == field
            assert word in caught.value.text("de"), caught.value.texts
            assert caught.value.texts["en"] != caught.value.texts["de"]
        db.rollback()
        assert revisions(db) == 0


def test_german_numbers_and_dates_are_read(world):
    sessions, mid, uid = world
    with sessions() as db:
        measure = db.get(Measure, mid)
        m = record_ops.save_milestone(
            db, measure, None, {"title": "Konzept", "planned_date": "30.06.2026", "weight": "2,5"}, author_id=uid
        )
        assert (m.planned_date, m.weight, m.status) == (date(2026, 6, 30), 2.5, "planned")
        i = record_ops.save_indicator(
            db,
            measure,
            None,
            {"name": "Teilnehmende", "baseline_value": "1.200", "target_value": "1.500,5", "direction": "higher"},
            author_id=uid,
        )
        assert (i.baseline_value, i.target_value) == (1200.0, 1500.5)


def test_a_mandated_measure_records_progress_but_its_plan_needs_a_reopening(world):
    sessions, mid, uid = world
    with sessions() as db:
        measure = db.get(Measure, mid)
        m = record_ops.save_milestone(
            db, measure, None, {"title": "Vergabe", "planned_date": "2026-03-01"}, author_id=uid
        )
        i = record_ops.save_indicator(
            db, measure, None, {"name": "Quote", "baseline_value": 10, "target_value": 50}, author_id=uid
        )
        _mandate(db, measure, uid)
        db.commit()
        # progress: status, actual date, note, measured values
        assert record_ops.save_milestone(db, measure, m, {"status": "done", "note": "erledigt"}, author_id=uid)
        assert m.actual_date == date.today()  # reached now, as no date was given
        assert record_ops.add_indicator_value(
            db, measure, i, {"value": "30", "measured_on": "2026-01-15"}, author_id=uid
        )
        db.commit()
        # plan: refused with the lock's sentence, nothing written
        before = revisions(db)
        for attempt in (
            lambda: record_ops.save_milestone(db, measure, m, {"planned_date": "2026-04-01"}, author_id=uid),
            lambda: record_ops.save_milestone(db, measure, None, {"title": "Neu"}, author_id=uid),
            lambda: record_ops.delete_milestone(db, measure, m, author_id=uid),
            lambda: record_ops.save_indicator(db, measure, i, {"target_value": 60}, author_id=uid),
        ):
            with pytest.raises(StatusError) as caught:
                attempt()
            assert caught.value.code == "measure_locked"
            db.rollback()
        assert revisions(db) == before
        record_ops.reopen_status(db, measure, "Fortschreibung des Zeitplans", uid)
        assert record_ops.save_milestone(db, measure, m, {"planned_date": "2026-04-01"}, author_id=uid)


def test_every_change_is_one_revision_with_before_after_and_provenance(world):
    sessions, mid, uid = world
    with sessions() as db:
        measure = db.get(Measure, mid)
        m = record_ops.save_milestone(db, measure, None, {"title": "Start"}, author_id=uid)
        assert record_ops.save_milestone(db, measure, m, {"title": "Start"}, author_id=uid) is None  # no change
        source = {"session_id": None, "step_key": "milestones", "card_id": 7}
        record_ops.save_milestone(
            db, measure, m, {"status": "active"}, author_id=uid, source_kind="capture", source=source
        )
        rows = db.scalars(select(MonitoringRevision).order_by(MonitoringRevision.id)).all()
        assert [(r.action, r.changed) for r in rows] == [
            ("create", ["public", "status", "title", "weight"]),
            ("update", ["status"]),
        ]
        assert rows[1].before["status"] == "planned" and rows[1].after["status"] == "active"
        assert rows[1].source_kind == "capture" and rows[1].source["card_id"] == 7


def test_progress_rolls_up_weighted_milestones_and_the_way_to_each_target(world):
    sessions, mid, uid = world
    today = date(2026, 7, 1)
    with sessions() as db:
        measure = db.get(Measure, mid)
        save = lambda values: record_ops.save_milestone(db, measure, None, values, author_id=uid)  # noqa: E731
        save({"title": "A", "weight": 3, "status": "done", "actual_date": "2026-01-01"})
        save({"title": "B", "weight": 1, "planned_date": "2026-06-01"})  # overdue on July 1st
        save({"title": "C", "weight": 5, "status": "obsolete"})  # excluded
        save({"title": "D", "weight": 1, "planned_date": "2026-07-20"})  # upcoming
        up = record_ops.save_indicator(
            db,
            measure,
            None,
            {
                "name": "Beteiligte",
                "baseline_value": 100,
                "baseline_date": "2026-01-01",
                "target_value": 200,
                "target_date": "2027-01-01",
            },
            author_id=uid,
        )
        down = record_ops.save_indicator(
            db,
            measure,
            None,
            {
                "name": "Abstimmungsschleifen",
                "direction": "lower",
                "baseline_value": 10,
                "baseline_date": "2026-01-01",
                "target_value": 4,
                "target_date": "2026-07-01",
            },
            author_id=uid,
        )
        record_ops.add_indicator_value(db, measure, up, {"value": 150, "measured_on": "2026-06-30"}, author_id=uid)
        record_ops.add_indicator_value(db, measure, down, {"value": 9, "measured_on": "2026-06-30"}, author_id=uid)
        p = progress.measure_progress(db, measure, today=today)
        assert p.milestone_share == pytest.approx(3 / 5)  # 3 of 3+1+1, C excluded
        assert [i.share for i in p.indicators] == [pytest.approx(0.5), pytest.approx(1 / 6)]
        assert p.indicator_share == pytest.approx((0.5 + 1 / 6) / 2)
        assert p.overall == pytest.approx((0.6 + (0.5 + 1 / 6) / 2) / 2)
        assert [m["title"] for m in p.overdue] == ["B"] and [m["title"] for m in p.upcoming] == ["D"]
        # the second is far behind its straight line (expected ~99 % on June 30th): off track
        assert [i.indicator["name"] for i in p.off_track] == ["Abstimmungsschleifen"]
        whole, groups = progress.roll_up([p], "ohne")
        assert whole.share == pytest.approx(p.overall) and groups[0].title == "ohne"


def test_the_state_as_of_a_past_day_is_replayed_from_the_revisions(world):
    sessions, mid, uid = world
    with sessions() as db:
        measure = db.get(Measure, mid)
        m = record_ops.save_milestone(db, measure, None, {"title": "Alt"}, author_id=uid)
        i = record_ops.save_indicator(
            db, measure, None, {"name": "Zahl", "baseline_value": 0, "target_value": 10}, author_id=uid
        )
        record_ops.add_indicator_value(db, measure, i, {"value": 2, "measured_on": "2026-01-10"}, author_id=uid)
        db.flush()
        long_ago = datetime(2026, 1, 31, 12, tzinfo=UTC)
        for r in db.scalars(select(MonitoringRevision)):
            r.created_at = long_ago
        db.flush()
        record_ops.save_milestone(db, measure, m, {"title": "Neu", "status": "done"}, author_id=uid)
        record_ops.add_indicator_value(
            db, measure, i, {"value": 5, "measured_on": date.today().isoformat()}, author_id=uid
        )
        db.flush()
        then = monitoring.state(db, measure, date(2026, 2, 1))
        assert [(x["title"], x["status"]) for x in then.milestones] == [("Alt", "planned")]
        assert [v["value"] for v in then.indicators[0].values] == [2]
        now = monitoring.state(db, measure)
        today_replayed = monitoring.state(db, measure, date.today() + timedelta(days=1))
        assert now.milestones == today_replayed.milestones
        assert [s.values for s in now.indicators] == [s.values for s in today_replayed.indicators]


def test_the_aachen_lines_become_milestones_and_indicators_once(world):
    sessions, mid, uid = world
    with sessions() as db:
        measure = db.get(Measure, mid)
        measure.record_template = "aachen"
        record_ops.set_field(
            db, measure, "milestones", record_ops.lines_from_text("Erstens\nZweitens"), source_kind="import"
        )
        record_ops.set_field(
            db, measure, "indicators", record_ops.lines_from_text("Weniger Schleifen"), source_kind="import"
        )
        assert record_ops.seed_monitoring_from_lists(db, measure, uid, "import") == (2, 1)
        assert record_ops.seed_monitoring_from_lists(db, measure, uid, "import") == (0, 0)
        assert [m.title for m in monitoring.milestones_of(db, measure.id)] == ["Erstens", "Zweitens"]
