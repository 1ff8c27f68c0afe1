"""Progress, rolled up: a measure's from its milestones and indicators, an action field's and the
whole register's from their measures (docs/monitoring.md says the same in words).

- Milestones: the weight of the reached ones (a status with done: true) over the weight of all
  that count (a status with excluded: true, e.g. dropped, counts neither way).
- Indicators: each one's share of the way from its baseline to its target, by its latest measured
  value, cut to 0–100 % (a value beyond the target is 100 %, one behind the baseline 0 %); an
  indicator without a baseline or a target has no share and is left out; one with no value yet
  stands at its baseline (0 %). The indicators' part is their plain mean.
- A measure: the mean of the parts it has (milestones, indicators), each part weighing the same.
- An action field and the register: the plain mean of their measures that have a progress.

Signals: a milestone is overdue when its planned date has passed and it is neither reached nor
excluded; an indicator is off track when its share lags more than OFF_TRACK_MARGIN behind the
straight line from (baseline date, 0 %) to (target date, 100 %) on the date of its latest value
(today when it has none); a measure has had no update when its newest monitoring change is more
than STALE_DAYS old (or it never had one while in implementation).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from workshop.measures import monitoring, status
from workshop.measures.models import Measure
from workshop.measures.monitoring import HIGHER, IndicatorState, MonitoringState
from workshop.measures.record import current_values, template_of
from workshop.measures.record_template import RecordTemplate

OFF_TRACK_MARGIN = 0.10
STALE_DAYS = 90
UPCOMING_DAYS = 30
# A measure in these states is expected to report progress (the "no update" filter).
REPORTING = frozenset({status.MANDATED, status.IN_IMPLEMENTATION})

OVERDUE, OFF_TRACK, STALE = "overdue", "off_track", "stale"  # the register's filters
FILTERS = (OVERDUE, OFF_TRACK, STALE)


@dataclass
class IndicatorProgress:
    state: IndicatorState
    share: float | None  # 0..1 of the way from baseline to target; None: baseline or target missing
    latest: dict | None
    expected: float | None  # where the plan's straight line stands on the latest value's date
    off_track: bool
    reached: bool

    @property
    def indicator(self) -> dict:
        return self.state.indicator


@dataclass
class MeasureProgress:
    measure: Measure
    action_field: str
    milestones: list[dict]
    milestone_share: float | None
    indicators: list[IndicatorProgress]
    indicator_share: float | None
    overall: float | None
    overdue: list[dict] = field(default_factory=list)
    upcoming: list[dict] = field(default_factory=list)
    last_update: datetime | None = None
    stale: bool = False

    @property
    def off_track(self) -> list[IndicatorProgress]:
        return [i for i in self.indicators if i.off_track]

    def matches(self, signal: str) -> bool:
        return {OVERDUE: bool(self.overdue), OFF_TRACK: bool(self.off_track), STALE: self.stale}[signal]


@dataclass
class Group:
    """An action field's (or the whole register's) roll-up."""

    title: str
    measures: list[MeasureProgress]

    @property
    def share(self) -> float | None:
        return mean([m.overall for m in self.measures])

    @property
    def counted(self) -> int:
        return sum(1 for m in self.measures if m.overall is not None)


def mean(values: list[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return sum(known) / len(known) if known else None


def percent(share: float | None) -> int | None:
    """The share as a whole percentage, as every page and report shows it (half rounds up: 32.5 -> 33)."""
    return None if share is None else math.floor(round(share * 100, 6) + 0.5)


def _date(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def milestone_share(milestones: list[dict], template: RecordTemplate) -> float | None:
    done = total = 0.0
    for m in milestones:
        kind = template.milestone_status(m["status"])
        if kind is not None and kind.excluded:
            continue
        total += m["weight"]
        if kind is not None and kind.done:
            done += m["weight"]
    return done / total if total else None


def is_open(m: dict, template: RecordTemplate) -> bool:
    kind = template.milestone_status(m["status"])
    return kind is None or not (kind.done or kind.excluded)


def share_of_way(indicator: dict, value: float) -> float | None:
    baseline, target = indicator["baseline_value"], indicator["target_value"]
    if baseline is None or target is None or baseline == target:
        return None
    return min(1.0, max(0.0, (value - baseline) / (target - baseline)))


def expected_share(indicator: dict, on: date) -> float | None:
    start, end = _date(indicator["baseline_date"]), _date(indicator["target_date"])
    if start is None or end is None or end <= start:
        return None
    return min(1.0, max(0.0, (on - start).days / (end - start).days))


def indicator_progress(state: IndicatorState, today: date) -> IndicatorProgress:
    indicator = state.indicator
    latest = state.values[-1] if state.values else None
    if indicator["baseline_value"] is None or indicator["target_value"] is None:
        return IndicatorProgress(state, None, latest, None, False, False)
    share = share_of_way(indicator, latest["value"]) if latest else 0.0
    on = _date(latest["measured_on"]) if latest else today
    assert on is not None
    expected = expected_share(indicator, on)
    reached = latest is not None and (
        latest["value"] >= indicator["target_value"]
        if indicator["direction"] == HIGHER
        else latest["value"] <= indicator["target_value"]
    )
    off_track = not reached and share is not None and expected is not None and share < expected - OFF_TRACK_MARGIN
    return IndicatorProgress(state, share, latest, expected, off_track, reached)


def action_field_of(db: Session, measure: Measure) -> str:
    value = current_values(db, measure).get("action_field")
    first = next((line for line in (value.value if value else "").splitlines() if line.strip()), "")
    return " ".join(first.split())


def measure_progress(
    db: Session, measure: Measure, today: date | None = None, as_of: date | None = None
) -> MeasureProgress:
    """Now, or (as_of) as it was at the end of that day; `today` is the day overdue and stale are
    judged on (as_of when given, else the real today)."""
    today = as_of or today or date.today()
    state: MonitoringState = monitoring.state(db, measure, as_of)
    template = template_of(measure)
    indicators = [indicator_progress(s, today) for s in state.indicators]
    m_share = milestone_share(state.milestones, template)
    i_share = mean([i.share for i in indicators])
    planned = [(m, date.fromisoformat(m["planned_date"])) for m in state.milestones if m["planned_date"]]
    overdue = [m for m, day in planned if is_open(m, template) and day < today]
    horizon = today + timedelta(days=UPCOMING_DAYS)
    upcoming = [m for m, day in planned if is_open(m, template) and today <= day <= horizon]
    last = state.last_update
    has_items = bool(state.milestones or state.indicators)
    cutoff = today - timedelta(days=STALE_DAYS)
    stale = (
        (has_items or measure.status in REPORTING)
        and measure.status not in (status.DONE,)
        and (last is None or last.date() < cutoff)
    )
    return MeasureProgress(
        measure=measure,
        action_field=action_field_of(db, measure),
        milestones=state.milestones,
        milestone_share=m_share,
        indicators=indicators,
        indicator_share=i_share,
        overall=mean([m_share, i_share]),
        overdue=overdue,
        upcoming=sorted(upcoming, key=lambda m: m["planned_date"]),
        last_update=last,
        stale=bool(stale),
    )


def roll_up(progress: list[MeasureProgress], no_field: str) -> tuple[Group, list[Group]]:
    """(the whole, one group per action field in order of first appearance; `no_field` names the
    group of measures without one)."""
    groups: dict[str, list[MeasureProgress]] = {}
    for p in progress:
        groups.setdefault(p.action_field or no_field, []).append(p)
    return Group("", progress), [Group(title, members) for title, members in groups.items()]
