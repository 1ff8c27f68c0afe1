"""Demo data drawn from the seeds: a facilitator, two measures, and a framing session ready to run."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from workshop.access.policy import OWNER, add_member
from workshop.accounts.models import Facilitator
from workshop.accounts.service import create_facilitator
from workshop.agenda.create import create_session
from workshop.measures import monitoring
from workshop.measures.models import Measure
from workshop.measures.record import (
    add_indicator_value,
    lines_from_text,
    save_indicator,
    save_milestone,
    seed_monitoring_from_lists,
    set_field,
)
from workshop.measures.status import LABELS
from workshop.sessions.models import WorkshopSession

STATUS_KEYS = {label: key for key, label in LABELS.items()}
DEMO_EMAIL = "demo@workshop.example"
DEMO_PASSWORD = "workshop-demo"

BERLIN: dict[str, Any] = {
    "reference_number": "2022-14222",
    "title": "Prozessbegleitung um (digitale) Partizipation und deren Ergebnisse zu verarbeiten",
    "fields": {
        "action_field": "Strategie „Gemeinsam Digital: Berlin“ – Dezentrale Maßnahmen",
        "cross_cutting_goal": "Organisation",
        "operational_goal": "Kompetenzaufbau in der Verwaltung",
        "progress": "Entwurf (Vorhabensbeschreibung in Strategiedokument)",
        "measure_type": "Dezentral",
        "status": "Entwurf",
        "short_description": "Eine Anlaufstelle zur Unterstützung bei der Prozessgestaltung innerhalb "
        "der Verwaltung, um (digitale) Partizipation und deren Ergebnisse zu verarbeiten.",
        "initial_situation": "In der Verwaltung gibt es bereits zahlreiche Projekte, verwaltungsübergreifende "
        "Initiativen und Prozesse mit Beteiligung externer Akteur:innen und Bürger:innen. "
        "Es fehlt eine Anlaufstelle, die bei Gestaltung und Moderation unterstützt.",
        "implementation_ideas": "Aufbau einer Anlaufstelle mit erfahrenen Prozessbegleiter:innen der Verwaltung\n"
        "„Train the Trainer“-Programm für eine erste Gruppe Freiwilliger über mehrere Wochen\n"
        "Netzwerk erfahrener Prozessbegleiter:innen schrittweise aufbauen",
        "inspiring_examples": "Service Agent:innen-Schulung (CityLAB Berlin)",
        "actors": "CityLAB Berlin\nSenatsverwaltung für Stadtentwicklung, Bauen und Wohnen\n"
        "Verwaltungsakademie Berlin\nSenatskanzlei Berlin",
        "planned_projects": "Leitlinien Bürgerbeteiligung der Senatsverwaltung für Stadtentwicklung, Bauen und Wohnen",
    },
}

AACHEN: dict[str, Any] = {
    "reference_number": None,
    "title": "Initiativen einbinden",
    "fields": {
        "action_field": "Aktionsplan Aachen – Aktionsfeld A: Umgang mit Zivilgesellschaft",
        "measure_type": "Kernvorhaben",
        "status": "Idee",
        "objectives": "Diskurs- und stimmungsprägende Akteure einfangen und Synergien erzeugen",
        "implementation_ideas": "Initiativen vernetzen und gemeinsame Ziele herausstellen\n"
        "Konstruktiven und kooperativen Umgang etablieren\n"
        "Teilvorhaben 1: AG Öffentlicher Raum (im Dialog Perspektivwechsel erzwingen)\n"
        "Teilvorhaben 2: positive Entwicklungen hervorheben",
        "milestones": "Im Fachbereich 61 klären, wie das Thema aufgegriffen und konkretisiert werden kann\n"
        "Negativkommunikation in Positivkommunikation transformieren\n"
        "Erfolge beispielhafter Umsetzung feiern",
        "indicators": "Geringeres Maß an Kritik von externen Akteuren (mehr Verständnis)\n"
        "Differenzen innerhalb der Verwaltung werden nicht öffentlich debattiert",
        "inspiring_examples": "Karlsruhe\nBielefeld\nHannover\nFrankfurt am Main\nBonn\nLeipzig\nNürnberg",
    },
}


# A core project of the Aachen action plan (seed 002, no. 4) in implementation, with the
# milestones and indicators the plan names, dated around today so the register shows progress,
# an overdue and an upcoming milestone at once.
IN_IMPLEMENTATION: dict[str, Any] = {
    "reference_number": "AC-4",
    "title": "Formelle bereichsübergreifende Zusammenarbeit wieder bzw. stärker etablieren",
    "record_template": "aachen",
    "fields": {
        "action_field": "Aktionsfeld C: Ziele, integratives Arbeiten und Planungsabläufe",
        "objective": "Optimierung der integrativen Austauschstrukturen",
        "implementation_ideas": "Ehemalige (wöchentliche) Formate aufgreifen und evaluieren\n"
        "Format, Zielsetzungen und Teilnehmer*innenkreis definieren\n"
        "Regelmäßige Formate (Workshops) fixieren und wieder leben",
        "lead": "Koordinierungsstelle (Fachbereich 61)",
        "budget": "45.000 € Personalmittel Koordinierungsstelle (2026)\n8.000 € Sachmittel Austauschformate",
        "experience_transfer": "Karlsruhe\nBielefeld\nLeipzig",
    },
    # (title, planned in days from today, status, reached days ago, responsible, weight)
    "milestones": [
        ("Bedarf bei den Abteilungsleitungen kommunizieren", -150, "done", 140, "Fachbereich 61", 1),
        ("Zuständigkeit festlegen", -90, "done", 95, "Dezernat III", 1),
        ("Tätigkeitsbeschreibung für die Koordinierungsstelle aufstellen", -20, "active", None, "Personalamt", 2),
        ("Koordinierungsstelle besetzen", 14, "planned", None, "Dezernat III", 3),
        ("Wöchentlicher Austausch der Abteilungen etabliert", 120, "planned", None, "Koordinierungsstelle", 2),
    ],
    # (name, unit, direction, baseline, target, values [(days ago, value, source)])
    "indicators": [
        (
            "Abstimmungsschleifen je Vorhaben",
            "Schleifen",
            "lower",
            6,
            3,
            [
                (270, 6, "Auswertung Projektsteckbriefe 2025"),
                (180, 5.5, "Auswertung Q3"),
                (90, 5, "Auswertung Q4"),
                (10, 4.5, "Auswertung Q1"),
            ],
        ),
        (
            "Ansprechpartner*innen sind allen bekannt",
            "% der Befragten",
            "higher",
            40,
            90,
            [(270, 40, "Mitarbeitendenbefragung"), (90, 48, "Kurzbefragung"), (10, 52, "Kurzbefragung")],
        ),
    ],
}
BERLIN_MONITORING: dict[str, Any] = {
    "milestones": [
        ("Anlaufstelle mit erfahrenen Prozessbegleiter:innen aufbauen", 60, "planned", None, "Senatskanzlei", 2),
        ("„Train the Trainer“-Programm für die erste Gruppe", 150, "planned", None, "Verwaltungsakademie Berlin", 3),
        ("Netzwerk erfahrener Prozessbegleiter:innen gestartet", 300, "planned", None, "CityLAB Berlin", 1),
    ],
    "indicators": [("Ausgebildete Prozessbegleiter:innen", "Personen", "higher", 0, 20, [])],
}


def _seed_monitoring(db: Session, measure: Measure, spec: dict, today: date) -> None:
    """Milestones and indicators of a demo measure (demo source: set up, not a plan change)."""
    for title, planned, status, reached, responsible, weight in spec["milestones"]:
        save_milestone(
            db,
            measure,
            None,
            {
                "title": title,
                "planned_date": today + timedelta(days=planned),
                "status": status,
                "actual_date": today - timedelta(days=reached) if reached is not None else None,
                "responsible": responsible,
                "weight": weight,
            },
            source_kind="demo",
        )
    for name, unit, direction, baseline, target, values in spec["indicators"]:
        indicator = save_indicator(
            db,
            measure,
            None,
            {
                "name": name,
                "unit": unit,
                "direction": direction,
                "baseline_value": baseline,
                "baseline_date": today - timedelta(days=270),
                "target_value": target,
                "target_date": today + timedelta(days=365),
            },
            source_kind="demo",
        )
        assert indicator is not None
        for days_ago, value, source in values:
            add_indicator_value(
                db,
                measure,
                indicator,
                {"value": value, "measured_on": today - timedelta(days=days_ago), "source": source},
                author_id=None,
                author_name="Koordinierungsstelle",
                source_kind="demo",
            )


def seed_monitoring_demo(db: Session, facilitator: Facilitator) -> None:
    """The monitoring part of the demo, also for a demo database seeded before it existed."""
    if db.scalar(select(Measure.id).where(Measure.reference_number == IN_IMPLEMENTATION["reference_number"])):
        return
    today = date.today()
    spec = IN_IMPLEMENTATION
    measure = Measure(
        title=spec["title"], reference_number=spec["reference_number"], record_template=spec["record_template"]
    )
    db.add(measure)
    db.flush()
    add_member(db, measure.id, facilitator.id, OWNER)
    for key, text in spec["fields"].items():
        set_field(db, measure, key, lines_from_text(text), source_kind="demo")
    set_field(db, measure, "status", lines_from_text("In Umsetzung"), source_kind="demo")
    _seed_monitoring(db, measure, spec, today)
    measure.status = "in_implementation"  # the demo sets a state; the flow is not replayed
    berlin = db.scalar(select(Measure).where(Measure.reference_number == BERLIN["reference_number"]))
    if berlin is not None and not monitoring.milestones_of(db, berlin.id):
        _seed_monitoring(db, berlin, BERLIN_MONITORING, today)
    aachen = db.scalar(select(Measure).where(Measure.title == AACHEN["title"], Measure.reference_number.is_(None)))
    if aachen is not None:
        seed_monitoring_from_lists(db, aachen, facilitator.id, "demo")
        # Planned long ago and never touched since: the register's "no update for 90 days".
        for revision in db.scalars(
            select(monitoring.MonitoringRevision).where(monitoring.MonitoringRevision.measure_id == aachen.id)
        ):
            revision.created_at = revision.created_at - timedelta(days=120)
    db.flush()


def seed_demo(db: Session) -> tuple[Facilitator, WorkshopSession, bool]:
    """Idempotent: returns (facilitator, demo session, created_now)."""
    facilitator = db.scalars(select(Facilitator).where(Facilitator.email == DEMO_EMAIL)).first()
    if facilitator is not None:
        ws = db.scalars(
            select(WorkshopSession).where(WorkshopSession.facilitator_id == facilitator.id).order_by(WorkshopSession.id)
        ).first()
        if ws is not None:
            seed_monitoring_demo(db, facilitator)
            db.commit()
            return facilitator, ws, False
    else:
        facilitator = create_facilitator(db, DEMO_EMAIL, "Demo-Moderation", DEMO_PASSWORD)
    measures = []
    for spec in (BERLIN, AACHEN):
        measure = Measure(
            title=spec["title"],
            reference_number=spec["reference_number"],
            status=STATUS_KEYS.get(spec["fields"].get("status"), "idea"),
        )
        db.add(measure)
        db.flush()
        add_member(db, measure.id, facilitator.id, OWNER)  # the demo facilitator's team owns them
        for key, text in spec["fields"].items():
            set_field(db, measure, key, lines_from_text(text), source_kind="demo")
        measures.append(measure)
    ws = create_session(
        db,
        measure_id=measures[0].id,
        facilitator_id=facilitator.id,
        template_key="framing",
        title="Rahmen setzen: Anlaufstelle Prozessbegleitung",
        location="Demo-Raum",
    )
    seed_monitoring_demo(db, facilitator)
    db.commit()
    return facilitator, ws, True
