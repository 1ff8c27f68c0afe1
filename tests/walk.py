"""The session of issue 30's walk, built for tests and screenshots: a two-hour workshop of unit 1 +
unit 2 (welcome, input, the framing steps, a break, the knowledge-merge steps appended from unit 2,
fist of five, feedback), a room of participants, cards, clusters and votes.

Everything goes through the engine (engine.apply), as phones and the console would do it, so the
session's events, replay and protocol are what a real run leaves.
"""

from __future__ import annotations

import copy
import random
from datetime import date, time

import yaml
from sqlalchemy.orm import sessionmaker

from workshop.agenda.templates import parse_template_data
from workshop.config import SESSION_TEMPLATE_DIR
from workshop.live import engine
from workshop.ops import FACILITATOR, PARTICIPANT, Actor
from workshop.sessions.models import SessionFile, WorkshopSession

WALK_TITLE = "Maßnahmenwerkstatt Anlaufstelle"
NAMES = ["Alex", "Kim", "Sam", "Dana", "Jo", "Robin", "Mika", "Luca", "Noa", "Yara", "Emil", "Ida"]
PHRASES = [
    "Bürgerämter haben Erfahrung mit Terminvergabe",
    "Beteiligungsportal mein.berlin.de nutzen",
    "Datenschutzbeauftragte früh einbinden",
    "Zuständigkeitsfinder für Bürgerinnen und Bürger",
    "Verwaltungsakademie bietet Moderationskurse an",
    "Ressortübergreifende Arbeitsgruppe Digitalisierung",
    "Barrierefreiheit von Anfang an mitdenken",
    "Haushaltsmittel für zwei Stellen beantragen",
    "Erfahrungen aus dem CityLAB Berlin übernehmen",
    "Bezirksverordnetenversammlung informieren",
    "Ehrenamtliche Initiativen im Kiez einbeziehen",
    "Schulungsprogramm Train the Trainer ausbauen",
    "Rechtsgrundlage Onlinezugangsgesetz prüfen",
    "Personalrat rechtzeitig beteiligen",
    "Open-Data-Portal als Quelle für Kennzahlen",
    "Kommunikationsstrategie mit der Pressestelle abstimmen",
]


def _unit_steps(name: str) -> list[dict]:
    return yaml.safe_load((SESSION_TEMPLATE_DIR / f"{name}.yaml").read_text(encoding="utf-8"))["steps"]


def walk_template(extra_steps: int = 0) -> dict:
    """The walk's agenda (18 steps; extra_steps more brainstorms at the end, for a longer plan)."""
    framing = _unit_steps("framing")
    merge = []
    for step in _unit_steps("knowledge_merge"):  # appended from unit 2: repeated keys get a suffix
        step = {**copy.deepcopy(step), "unit": 2}
        if step["key"] in ("dependencies", "summary"):
            step["key"] += "-2"
        merge.append(step)
    steps = [
        {
            "key": "welcome",
            "type": "welcome",
            "title": {"de": "Begrüßung", "en": "Welcome"},
            "prompt": {"de": "Willkommen! Worum es heute geht.", "en": "Welcome! What today is about."},
            "timebox_minutes": 5,
        },
        {
            "key": "input",
            "type": "input",
            "title": {"de": "Input", "en": "Input"},
            "timebox_minutes": 10,
            "text": {"de": "Drei Befunde aus der Vorbereitung.", "en": "Three findings from the preparation."},
        },
        *framing,
        {"key": "break", "type": "break", "title": {"de": "Pause", "en": "Break"}, "timebox_minutes": 10},
        *merge,
        {
            "key": "fist",
            "type": "poll",
            "title": {"de": "Faust der Fünf", "en": "Fist of five"},
            "prompt": {"de": "Wie sehr tragen Sie das Ergebnis mit?", "en": "How much do you support the result?"},
            "timebox_minutes": 3,
            "options": ["0", "1", "2", "3", "4", "5"],
        },
        {
            "key": "feedback",
            "type": "poll",
            "title": {"de": "Feedbackrunde", "en": "Feedback"},
            "prompt": {"de": "Wie zufrieden sind Sie mit dem Workshop?", "en": "How satisfied are you?"},
            "timebox_minutes": 5,
            "options": [
                {"de": "sehr zufrieden", "en": "very satisfied"},
                {"de": "zufrieden", "en": "satisfied"},
                {"de": "teils, teils", "en": "so-so"},
                {"de": "unzufrieden", "en": "dissatisfied"},
            ],
        },
    ]
    for number in range(1, extra_steps + 1):
        steps.append(
            {
                "key": f"extra-{number}",
                "type": "brainstorm",
                "title": {"de": f"Weitere Runde {number}", "en": f"Further round {number}"},
                "timebox_minutes": 5,
            }
        )
    header = {
        "key": "framing",
        "unit": 1,
        "units": [1, 2],
        "title": {"de": "Rahmen setzen", "en": "Framing"},
        "steps": steps,
    }
    return parse_template_data(header, "walk")


def make_walk_session(db, session_id: int, extra_steps: int = 0, files: list[SessionFile] | None = None) -> None:
    """Turn a ready session (created from framing) into the walk's agenda, with its slot."""
    ws = db.get(WorkshopSession, session_id)
    template = walk_template(extra_steps)
    for step in template["steps"]:
        if step["key"] == "input" and files:
            for stored in files:
                stored.session_id = ws.id
                db.add(stored)
            db.flush()
            step["files"] = [f.id for f in files]
    ws.template = template
    ws.title = WALK_TITLE
    ws.location = "Rathaus Schöneberg, Raum 1101"
    ws.scheduled_date = date(2026, 12, 3)
    ws.start_time, ws.end_time = time(9, 0), time(11, 0)
    ws.expected_headcount = 28
    db.commit()


class Walk:
    """Runs the walk's session through the engine: people join, write, cluster, vote."""

    def __init__(self, sessions: sessionmaker, session_id: int, facilitator_id: int, seed: int = 30):
        self.sessions, self.session_id = sessions, session_id
        self.facilitator = Actor(FACILITATOR, facilitator_id)
        self.people: list[Actor] = []
        self.random = random.Random(seed)

    def apply(self, actor: Actor, op_type: str, **payload):
        return engine.apply(self.sessions, self.session_id, actor, {"type": op_type, "payload": payload})

    def join(self, count: int = 28, named: int = 12) -> None:
        for index in range(count):
            name = NAMES[index] if index < min(named, len(NAMES)) else ""
            applied = self.apply(Actor.system(), "participant.join", display_name=name)
            self.people.append(Actor(PARTICIPANT, applied.result["participant_id"]))

    def goto(self, key: str) -> None:
        self.apply(self.facilitator, "step.goto", step_key=key)

    def cards(self, step_key: str, count: int, columns: list[str] | None = None) -> list[int]:
        ids = []
        for number in range(count):
            person = self.people[number % len(self.people)]
            text = f"{PHRASES[number % len(PHRASES)]}" + (f" ({number // len(PHRASES) + 1})" if number >= 16 else "")
            payload = {"step_key": step_key, "text": text}
            if columns:
                payload["column_key"] = columns[number % len(columns)]
            ids.append(self.apply(person, "card.add", **payload).result["card_id"])
        return ids

    def run(self, cards: int = 80, clusters: int = 6, until: str = "feedback", per_step: dict | None = None) -> dict:
        """The walk up to the feedback round (or the vote on clusters, "weigh"); returns what it
        made (card and cluster ids). per_step: cards per framing step; the rest go to unit 2's
        silent "knowledge" step."""
        self.apply(self.facilitator, "session.start")
        made: dict = {}
        per_step = per_step or {"approaches": 10, "scope": 8, "dependencies": 8, "questions": 14}
        rest = max(0, cards - sum(per_step.values()))
        for key, count in per_step.items():
            self.goto(key)
            made[key] = self.cards(key, count, ["in", "out"] if key == "scope" else None)
        self.goto("vote")
        for person in self.people:
            for card_id in self.random.sample(made["questions"], 2):
                self.apply(person, "vote.add", card_id=card_id)
        self.goto("summary")
        self.goto("break")
        self.goto("knowledge")
        made["knowledge"] = self.cards("knowledge", rest, ["internal", "external"])
        self.apply(self.facilitator, "step.reveal", step_key="knowledge")
        self.goto("clusters")
        made["clusters"] = []
        for number in range(clusters):
            cluster = self.apply(self.facilitator, "cluster.create", title=f"Thema {number + 1}")
            made["clusters"].append(cluster.result["cluster_id"])
        for index, card_id in enumerate(made["knowledge"]):
            self.apply(self.facilitator, "card.cluster", card_id=card_id, cluster_id=made["clusters"][index % clusters])
        self.goto("weigh")
        for person in self.people:
            cluster_id = self.random.choice(made["clusters"])
            self.apply(person, "vote.add", cluster_id=cluster_id)
        if until == "weigh":
            return made
        for key, options in (("summary-2", 0), ("fist", 6), ("feedback", 4)):
            self.goto(key)
            for person in self.people if options else []:
                self.apply(person, "poll.answer", choices=[self.random.randrange(options)])
        return made
