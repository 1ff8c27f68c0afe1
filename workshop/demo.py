"""Demo data drawn from the seeds: a facilitator, two measures, and a framing session ready to run."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from workshop.access.policy import OWNER, add_member
from workshop.accounts.models import Facilitator
from workshop.accounts.service import create_facilitator
from workshop.agenda.create import create_session
from workshop.measures.models import Measure
from workshop.measures.record import lines_from_text, set_field
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


def seed_demo(db: Session) -> tuple[Facilitator, WorkshopSession, bool]:
    """Idempotent: returns (facilitator, demo session, created_now)."""
    facilitator = db.scalars(select(Facilitator).where(Facilitator.email == DEMO_EMAIL)).first()
    if facilitator is not None:
        ws = db.scalars(
            select(WorkshopSession).where(WorkshopSession.facilitator_id == facilitator.id).order_by(WorkshopSession.id)
        ).first()
        if ws is not None:
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
    db.commit()
    return facilitator, ws, True
