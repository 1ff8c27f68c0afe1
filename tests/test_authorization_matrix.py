"""Who may do what: every socket operation and every state-changing or private HTTP route,
tried by every kind of person. Only the pairs in the tables below may succeed.

The tables are written out by hand on purpose (not derived from OpSpec.roles): a new operation
or route fails here until someone decides who may use it.
"""

from __future__ import annotations

import uuid

import requests
import socketio
from sqlalchemy import select

from tests.conftest import PASSWORD
from tests.live_client import LiveClient, cookie_header, csrf_token, login
from workshop.accounts.service import create_facilitator
from workshop.app import create_app
from workshop.live import engine
from workshop.live.engine import OPS
from workshop.ops import FACILITATOR, PARTICIPANT, Actor
from workshop.sessions.models import WorkshopSession

ANON = "anonymous"
PART = "participant of this session"
PART_OTHER = "participant of another session"
FAC_OTHER = "facilitator not on the team"
OWNER = "the session's facilitator (the measure's owner)"
M_CO = "the measure's co-facilitator"
M_EDITOR = "the measure's editor"
M_OBSERVER = "the measure's observer"
S_CO = "the session's co-facilitator"
S_MINUTES = "the session's minute-taker"
S_OBSERVER = "the session's observer"
PROJECTOR = "the session's projector"  # the owner's read-only screen
PROJECTOR_LINK = "a projector link of this session"  # the room's PC, no login
STAFF_ROLES = (OWNER, M_CO, M_EDITOR, M_OBSERVER, S_CO, S_MINUTES, S_OBSERVER)
HTTP_ROLES = (ANON, PART, PART_OTHER, FAC_OTHER, *STAFF_ROLES)
SOCKET_ROLES = (*HTTP_ROLES, PROJECTOR, PROJECTOR_LINK)
EVERYONE = frozenset(HTTP_ROLES)
LOGGED_IN = frozenset({FAC_OTHER, *STAFF_ROLES})
# Who runs a session (every control), who writes its notes, who sees its console (workshop.access.policy).
RUNS = frozenset({OWNER, M_CO, S_CO})
NOTES = RUNS | {S_MINUTES}
SEES = frozenset(STAFF_ROLES)
# The measure's team (the session roles above reach no measure page).
TEAM = frozenset({OWNER, M_CO, M_EDITOR, M_OBSERVER})
WRITES_RECORD = frozenset({OWNER, M_CO, M_EDITOR})
STEERS_MEASURE = frozenset({OWNER, M_CO})
ACCOUNTS = {
    OWNER: "owner",
    M_CO: "mco",
    M_EDITOR: "meditor",
    M_OBSERVER: "mobserver",
    S_CO: "sco",
    S_MINUTES: "sminutes",
    S_OBSERVER: "sobserver",
    FAC_OTHER: "other",
}


def email(role: str) -> str:
    return f"{ACCOUNTS[role]}@example.org"


# Socket operation -> the roles whose op succeeds. participant.join happens over HTTP only.
OP_TABLE: dict[str, frozenset[str]] = {
    "participant.join": frozenset(),
    "session.start": RUNS,
    "session.end": RUNS,
    "step.goto": RUNS,
    "record.capture": RUNS,
    "record.undo": RUNS,
    "session.reset": RUNS,  # a practice session only (the engine refuses it in a real one)
    "card.add": NOTES | {PART},
    "card.edit": NOTES | {PART},  # on their own card
    "card.delete": NOTES | {PART},  # on their own card
    "vote.add": frozenset({PART}),
    "vote.remove": frozenset({PART}),
    # The facilitator's controls and moderation.
    "step.lock": RUNS,
    "step.reveal": RUNS,
    "timer.start": RUNS,
    "timer.pause": RUNS,
    "timer.add": RUNS,
    "spotlight.set": RUNS,
    "step.note": RUNS,  # the facilitators' private notes: not even the projector
    "card.hide": RUNS,
    "card.approve": RUNS,
    "cluster.create": RUNS,
    "cluster.rename": RUNS,
    "cluster.delete": RUNS,
    "card.cluster": RUNS,
    "consent.option_add": RUNS,
    "cluster.accept_suggestion": RUNS,
    "cluster.reject_suggestion": RUNS,
    "card.merge": RUNS,
    "card.unmerge": RUNS,
    # The review of a measure's milestones and indicators (activities/milestone_review.py).
    "review.focus": RUNS,
    "review.propose": frozenset({PART}),
    "review.note": RUNS | {PART},
    "review.trend": frozenset({PART}),
    "review.apply": RUNS,
    "review.value": RUNS,
    "review.decide": RUNS,
    # What participants do in the other activities.
    "rating.set": frozenset({PART}),
    "rating.clear": frozenset({PART}),
    "poll.answer": frozenset({PART}),
    "action.add": NOTES | {PART},
    "action.edit": NOTES | {PART},  # their own item (staff who write notes: any)
    "action.delete": NOTES | {PART},
    "blitz.say": frozenset({PART}),
    "input.page": RUNS,  # turning an input's PDF page: the projector and the phones follow
    # Table groups (activities/tables.py, harvest.py): a participant takes a seat, takes on hosting a
    # table without a host and, as its host, marks its key points; the rest is running the room.
    "table.sit": frozenset({PART}),
    "table.assign": RUNS,
    "table.spread": RUNS,
    "table.host": RUNS | {PART},
    "table.round": RUNS,
    "table.pick": RUNS | {PART},
    "table.show": RUNS,
    "harvest.collect": RUNS,
}

# The format each operation is tried in (framing unless named).
OP_TEMPLATE = {
    "card.approve": "public_participation",
    **dict.fromkeys(("cluster.create", "cluster.rename", "cluster.delete", "card.cluster"), "knowledge_merge"),
    **dict.fromkeys(("cluster.accept_suggestion", "cluster.reject_suggestion"), "knowledge_merge"),
    **dict.fromkeys(
        ("review.focus", "review.propose", "review.note", "review.trend", "review.apply", "review.value"), "review"
    ),
    "review.decide": "review",
    **dict.fromkeys(("consent.option_add", "rating.set", "rating.clear", "poll.answer"), "mandate"),
    **dict.fromkeys(("action.add", "action.edit", "action.delete"), "co_drafting"),
    **dict.fromkeys(
        ("table.sit", "table.assign", "table.spread", "table.host", "table.round", "table.pick", "table.show"),
        "world_cafe",
    ),
    "harvest.collect": "world_cafe",
}

# Who may connect to a session, and as what.
CONNECT_TABLE: dict[str, frozenset[str]] = {
    "participant": frozenset({PART}),
    "facilitator": SEES,  # each staff role has a console; what it may do is OP_TABLE
    "projector": SEES | {PROJECTOR_LINK},
}

# HTTP route -> the roles that get through. Measures belong to their team; sessions, their
# consoles and protocols to their staff (and the measure's team); nobody else learns they exist.
ROUTE_TABLE: dict[str, frozenset[str]] = {
    "POST /login": EVERYONE,
    "POST /logout": LOGGED_IN,
    "POST /measures": LOGGED_IN,
    "GET /measures/<id>": TEAM,
    "GET /measures/<id>/history": TEAM,
    "GET /measures/<id>/draft": TEAM,
    "GET /measures/<id>/team": TEAM,
    "POST /measures/<id>/fields": WRITES_RECORD,
    "POST /measures/<id>/redact": WRITES_RECORD,  # a card its author deleted (400 for any other)
    "POST /measures/<id>/sessions": STEERS_MEASURE,
    "POST /measures/<id>/status": STEERS_MEASURE,
    "POST /measures/<id>/reopen": STEERS_MEASURE,
    "POST /measures/<id>/revisions/<revision_id>/restore": WRITES_RECORD,
    "POST /measures/<id>/comments": TEAM,  # every team member may comment
    "POST /measures/<id>/team": frozenset({OWNER}),
    "POST /measures/<id>/team/<member_id>/remove": frozenset({OWNER}),
    # Formats: anyone logged in may adapt a copy of a unit; an adapted copy is the library of the team
    # of the measure it was made for (owners, co-facilitators, editors), nobody else's (issue 13).
    "POST /templates/<base_key>/adapt": LOGGED_IN,
    "GET /templates/custom/<template_id>": WRITES_RECORD,
    "POST /templates/custom/<template_id>": WRITES_RECORD,
    # The register: anyone logged in opens it and sees the measures of their teams; a measure's JSON
    # is its team's; an import writes only where the person may edit (rows are refused otherwise).
    "GET /register": LOGGED_IN,
    "GET /register/export.<fmt>": LOGGED_IN,
    "GET /register/measures/<id>.json": TEAM,
    "POST /register/import": LOGGED_IN,
    # Public pages: publishing is a decision like the status flow; fates by those who run the session.
    "POST /register/measures/<id>/public": STEERS_MEASURE,
    "POST /register/measures/<id>/public/fields": STEERS_MEASURE,  # what the page shows: part of publishing
    "POST /register/sessions/<id>/cards/<card_id>/fate": RUNS,
    # The read API: a measure like its record page, a session's protocol like its console.
    "GET /api/measures/<id>": TEAM,
    "GET /api/sessions/<id>/protocol": SEES,
    "POST /join": EVERYONE,
    "POST /j/<code>": EVERYONE,
    "POST /j/<code>/t/<int:table_no>": EVERYONE,  # a table's QR code: joins, and seats at that table
    "GET /sessions/<id>/tische": SEES,
    "POST /api/join": EVERYONE,
    "GET /sessions/<id>": SEES,
    "GET /sessions/<id>/projector": SEES,
    "GET /sessions/<id>/protocol.md": SEES,
    "GET /sessions/<id>/protocol.html": SEES,
    "GET /sessions/<id>/protocol.pdf": SEES,
    "GET /sessions/<id>/protocol.docx": SEES,
    "GET /sessions/<id>/team": SEES,
    "POST /sessions/<id>/team": RUNS,
    "POST /sessions/<id>/team/<member_id>/remove": RUNS,
    "POST /sessions/<id>/projector-links": RUNS,
    "POST /sessions/<id>/projector-links/<link_id>/revoke": RUNS,
    # (before the projector link: an account that opened it keeps it in its cookie, and the link is a key)
    "GET /sessions/<id>/files/<file_id>": SEES | {PART},
    "GET /sessions/<id>/files/<file_id>/pages": SEES | {PART},  # an input's PDF, page by page
    "GET /sessions/<id>/files/<file_id>/pages/<number>": SEES | {PART},
    "GET /p/<token>": EVERYONE,  # the link is the key
    "GET /sessions/<id>/capture-preview": RUNS,
    # The protocol is edited by whoever takes notes in the session (facilitators, minute-taker).
    "GET /sessions/<session_id>/protocol": NOTES,
    "POST /sessions/<session_id>/protocol": NOTES,
    "POST /sessions/<session_id>/protocol/attachments": NOTES,
    "POST /sessions/<session_id>/protocol/attachments/<attachment_id>/remove": NOTES,
    "POST /sessions/<session_id>/protocol/finalize": NOTES,
    "POST /sessions/<session_id>/protocol/reopen": NOTES,
    "GET /measures/<id>/record.pdf": TEAM,
    "GET /measures/<id>/record.docx": TEAM,
    # Training: anyone logged in may start a practice session (an exercise measure of their own);
    # its controls are its facilitator's. Notes, debrief and replay: whoever sees the session.
    "POST /training": LOGGED_IN,
    "POST /training/sessions/<session_id>/bots": frozenset({OWNER}),
    "POST /training/sessions/<session_id>/bots/stop": frozenset({OWNER}),
    "POST /training/sessions/<session_id>/reset": frozenset({OWNER}),
    "POST /sessions/<session_id>/notes": SEES,
    "GET /sessions/<id>/debrief": SEES,
    "GET /sessions/<id>/replay.json": SEES,
    "POST /training/sessions/<session_id>/delete": frozenset({OWNER}),  # after the rows above: it deletes the practice
    # The accessibility statement's feedback form is for everybody; the reports are the team's.
    "POST /barrierefreiheit": EVERYONE,
    "GET /barrierefreiheit/meldungen": LOGGED_IN,
    "POST /barrierefreiheit/meldungen/<report_id>/answered": LOGGED_IN,
    # Preparing a session: its agenda is for those who run it, its invitation for its staff; an input
    # step's file for its staff, its participants and its projector links.
    "GET /sessions/<id>/agenda": RUNS,
    "POST /sessions/<id>/agenda": RUNS,
    "GET /sessions/<id>/invitation": SEES,
    # Monitoring after the mandate (issue 31): the team reads it; those who write the record write
    # milestones, indicators, values and evidence; a calendar address is its creator's to revoke and
    # works by its token alone; a report of a measure is its team's.
    "GET /measures/<id>/monitoring": TEAM,
    "POST /measures/<id>/milestones": WRITES_RECORD,
    "POST /measures/<id>/milestones/<milestone_id>": WRITES_RECORD,
    "POST /measures/<id>/milestones/<milestone_id>/evidence": WRITES_RECORD,
    "GET /measures/<id>/evidence/<file_id>": TEAM,
    "POST /measures/<id>/milestones/<milestone_id>/delete": WRITES_RECORD,
    "POST /measures/<id>/indicators": WRITES_RECORD,
    "POST /measures/<id>/indicators/<indicator_id>": WRITES_RECORD,
    "POST /measures/<id>/indicators/<indicator_id>/values": WRITES_RECORD,
    "POST /measures/<id>/values/<value_id>/delete": WRITES_RECORD,
    "POST /measures/<id>/indicators/<indicator_id>/delete": WRITES_RECORD,
    "GET /measures/<id>/calendar.ics": TEAM,
    "POST /measures/<id>/calendar/feeds": TEAM,
    "POST /measures/<id>/calendar/feeds/<feed_id>/delete": frozenset({OWNER}),  # the owner's own address
    "GET /kalender/<token>.ics": EVERYONE,  # the token is the key
    "POST /reports/status": TEAM,
    "GET /register/monitoring.<fmt>": LOGGED_IN,
    "POST /register/monitoring/import": LOGGED_IN,
    "GET /api/measures/<id>/monitoring": TEAM,
}


def test_every_operation_is_in_the_table():
    missing, stale = set(OPS) - set(OP_TABLE), set(OP_TABLE) - set(OPS)
    assert not missing, f"operations without a row in OP_TABLE (decide who may use them): {sorted(missing)}"
    assert not stale, f"OP_TABLE lists operations that no longer exist: {sorted(stale)}"


def test_every_state_changing_route_is_in_the_table(tmp_path):
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'routes.db'}", "SOCKETIO_ASYNC_MODE": "threading"})
    posts = {rule.rule for rule in app.url_map.iter_rules() if "POST" in rule.methods}
    listed = {
        route.split(" ", 1)[1]
        .replace("/measures/<id>", "/measures/<measure_id>")
        .replace("/sessions/<id>", "/sessions/<session_id>")
        for route in ROUTE_TABLE
        if route.startswith("POST")
    }
    unlisted = sorted(p for p in posts if p not in listed)
    assert not unlisted, f"POST routes without a row in ROUTE_TABLE: {unlisted}"


# --- socket operations ------------------------------------------------------------------


class World:
    """Sessions of one measure and its team (and of FAC_OTHER, on no team), over the server's database."""

    def __init__(self, server):
        self.server = server
        self.users = {role: server.facilitator(email(role), ACCOUNTS[role]) for role in ACCOUNTS}
        self.owner, self.other = self.users[OWNER], self.users[FAC_OTHER]
        self.spare = server.facilitator("spare@example.org", "Spare")
        self.measure = server.measure(owner=self.owner)
        for role, measure_role in ((M_CO, "co_facilitator"), (M_EDITOR, "editor"), (M_OBSERVER, "observer")):
            server.member(self.measure, self.users[role], measure_role)
        self.other_measure = server.measure("Andere Maßnahme", owner=self.other)
        self.http = {role: login(server.base_url, server.email(email(role)), PASSWORD) for role in ACCOUNTS}
        self.owner_http, self.other_http = self.http[OWNER], self.http[FAC_OTHER]

    def apply(self, sid, actor, op_type, **payload):
        applied = engine.apply(self.server.sessions, sid, actor, {"type": op_type, "payload": payload})
        return applied.result

    def add_session_staff(self, sid):
        from workshop.access.models import SessionMember

        with self.server.db() as db:
            for role, session_role in ((S_CO, "co_facilitator"), (S_MINUTES, "minute_taker"), (S_OBSERVER, "observer")):
                db.add(SessionMember(session_id=sid, facilitator_id=self.users[role], role=session_role))
            db.commit()

    def projector_token(self, sid) -> str:
        from workshop.access.projector import create_link

        with self.server.db() as db:
            _link, token = create_link(db, sid, self.owner)
            db.commit()
        return token

    def new_session(self, facilitator_id, template_key="framing"):
        measure = self.measure if facilitator_id == self.owner else self.other_measure
        sid, _code = self.server.session(facilitator_id, measure, template_key=template_key)
        if facilitator_id == self.owner:
            self.add_session_staff(sid)
        joined = engine.apply(
            self.server.sessions, sid, Actor.system(), {"type": "participant.join", "payload": {}}
        ).result
        return sid, joined["participant_id"], joined["token"]


def review_items(world: World) -> tuple[int, int]:
    """A milestone and an indicator of the world's measure, for a review session to work on."""
    from workshop.measures import record as record_ops
    from workshop.measures.models import Measure

    with world.server.db() as db:
        measure = db.get(Measure, world.measure)
        milestone = record_ops.save_milestone(db, measure, None, {"title": "Konzept"}, author_id=None)
        indicator = record_ops.save_indicator(
            db, measure, None, {"name": "Nutzende", "baseline_value": 0, "target_value": 100}, author_id=None
        )
        db.commit()
        return milestone.id, indicator.id


def add_blitzlicht_step(world: World, sid: int) -> None:
    """No shipped format has a Blitzlicht yet: append one to this session's plan."""
    with world.server.db() as db:
        ws = db.get(WorkshopSession, sid)
        step = {
            "key": "flash",
            "type": "blitzlicht",
            "title": {"de": "Blitzlicht"},
            "prompt": None,
            "timebox_minutes": 5,
        }
        ws.template = {**ws.template, "steps": [*ws.template["steps"], step]}
        db.commit()


def add_pdf_input_step(world: World, sid: int) -> int:
    """No shipped format has an input step: append one with a PDF; its file's id."""
    from workshop.sessions.models import SessionFile

    with world.server.db() as db:
        ws = db.get(WorkshopSession, sid)
        pdf = SessionFile(session_id=sid, name="folien.pdf", mime="application/pdf", size=4, data=b"%PDF", page_count=3)
        db.add(pdf)
        db.flush()
        step = {"key": "talk", "type": "input", "title": {"de": "Input"}, "files": [pdf.id]}
        ws.template = {**ws.template, "steps": [*ws.template["steps"], step]}
        db.commit()
        return pdf.id


def prepare(world: World, op_type: str, sid: int, pid: int, author: Actor) -> dict:
    """Bring session sid into a state in which op_type would succeed for `author`; its payload."""
    owner, part = Actor(FACILITATOR, world.owner), Actor(PARTICIPANT, pid)
    if op_type in ("session.start", "session.end"):
        return {}
    if op_type == "session.reset":
        with world.server.db() as db:  # a practice session: the only kind that may be reset
            db.get(WorkshopSession, sid).mode = "exercise"
            db.commit()
        return {}
    if op_type == "participant.join":
        return {"display_name": "x"}
    if op_type == "blitz.say":
        add_blitzlicht_step(world, sid)
    world.apply(sid, owner, "session.start")
    if op_type == "step.note":
        return {"step_key": "scope", "text": "Notiz"}
    if op_type == "blitz.say":
        world.apply(sid, owner, "step.goto", step_key="flash")
        return {"text": "Mut"}
    if op_type == "input.page":
        file_id = add_pdf_input_step(world, sid)
        world.apply(sid, owner, "step.goto", step_key="talk")
        return {"step_key": "talk", "file_id": file_id, "page": 2}
    if op_type == "step.goto":
        return {"step_key": "scope"}
    if op_type == "card.add":
        return {"step_key": "approaches", "text": "neu"}
    if op_type == "record.capture":
        world.apply(sid, part, "card.add", step_key="approaches", text="Ansatz")
        return {"step_key": "approaches"}
    if op_type == "record.undo":
        # words of their own: a capture leaves out a line the measure's field has already
        world.apply(sid, part, "card.add", step_key="approaches", text=f"Ansatz aus Sitzung {sid}")
        return {"revision_ids": world.apply(sid, owner, "record.capture", step_key="approaches")["revision_ids"]}
    if op_type in ("card.edit", "card.delete"):
        card = world.apply(sid, author, "card.add", step_key="approaches", text="eigene Karte")
        return {"card_id": card["card_id"], **({"text": "geändert"} if op_type == "card.edit" else {})}
    if op_type in ("vote.add", "vote.remove"):
        world.apply(sid, owner, "step.goto", step_key="questions")
        card = world.apply(sid, part, "card.add", step_key="questions", text="Frage")
        world.apply(sid, owner, "step.goto", step_key="vote")
        if op_type == "vote.remove":
            world.apply(sid, part, "vote.add", card_id=card["card_id"])
        return {"card_id": card["card_id"]}
    if op_type in ("step.lock", "step.reveal", "timer.start"):
        return {"step_key": "approaches", **({"locked": True} if op_type == "step.lock" else {})}
    if op_type in ("timer.pause", "timer.add"):
        world.apply(sid, owner, "timer.start", step_key="approaches")
        return {"step_key": "approaches", **({"seconds": 60} if op_type == "timer.add" else {})}
    if op_type in ("spotlight.set", "card.hide"):
        card = world.apply(sid, part, "card.add", step_key="approaches", text="Karte")
        return {"card_id": card["card_id"], **({"hidden": True} if op_type == "card.hide" else {})}
    if op_type == "card.approve":
        return {"card_id": world.apply(sid, part, "card.add", step_key="ideas", text="Idee")["card_id"]}
    if op_type in ("cluster.create", "cluster.rename", "cluster.delete", "card.cluster"):
        card = world.apply(sid, part, "card.add", step_key="knowledge", text="Wissen")
        world.apply(sid, owner, "step.goto", step_key="clusters")
        if op_type == "cluster.create":
            return {"title": "Thema"}
        cluster = world.apply(sid, owner, "cluster.create", title="Thema")["cluster_id"]
        return {
            "cluster.rename": {"cluster_id": cluster, "title": "Neu"},
            "cluster.delete": {"cluster_id": cluster},
            "card.cluster": {"card_id": card["card_id"], "cluster_id": cluster},
        }[op_type]
    if op_type in ("cluster.accept_suggestion", "cluster.reject_suggestion"):
        cards = [
            world.apply(sid, part, "card.add", step_key="knowledge", text=t)["card_id"] for t in ("Radweg", "Radwege")
        ]
        world.apply(sid, owner, "step.goto", step_key="clusters")
        return {"card_ids": cards, **({"kind": "cluster"} if op_type == "cluster.reject_suggestion" else {})}
    if op_type.startswith(("table.", "harvest.")):  # world_cafe: the table step "tables" is current
        tables = {"step_key": "tables"}
        if op_type == "table.sit":
            return {**tables, "table_no": 1}
        if op_type == "table.assign":
            return {**tables, "participant_id": pid, "table_no": 1}
        if op_type in ("table.spread", "table.round"):
            return tables
        if op_type == "table.show":
            return {**tables, "table_no": 1}
        world.apply(sid, part, "table.sit", step_key="tables", table_no=1)
        if op_type == "table.host":
            return {**tables, "table_no": 1, "participant_id": pid}
        card = world.apply(sid, part, "card.add", step_key="tables", text="Am Tisch")["card_id"]
        if op_type == "table.pick":
            world.apply(sid, part, "table.host", step_key="tables", table_no=1)
            return {"card_id": card}
        world.apply(sid, owner, "step.goto", step_key="harvest")
        return {}
    if op_type.startswith("review."):
        milestone, indicator = review_items(world)
        world.apply(sid, owner, "step.goto", step_key="decision" if op_type == "review.decide" else "status")
        return {
            "review.focus": {"kind": "milestone", "item_id": milestone},
            "review.propose": {"milestone_id": milestone, "status": "done"},
            "review.note": {"milestone_id": milestone, "kind": "next", "text": "Abnahme"},
            "review.trend": {"indicator_id": indicator, "trend": "better"},
            "review.apply": {"milestone_id": milestone, "status": "done"},
            "review.value": {"indicator_id": indicator, "value": "40"},
            "review.decide": {"text": "Fortführen wie geplant"},
        }[op_type]
    if op_type in ("card.merge", "card.unmerge"):
        cards = [
            world.apply(sid, part, "card.add", step_key="approaches", text=t)["card_id"] for t in ("Idee", "Idee!")
        ]
        if op_type == "card.merge":
            return {"card_ids": cards}
        world.apply(sid, owner, "card.merge", card_ids=cards)
        return {"card_id": cards[0]}
    if op_type in ("consent.option_add", "rating.set", "rating.clear"):
        world.apply(sid, owner, "step.goto", step_key="consent")
        if op_type == "consent.option_add":
            return {"text": "Noch eine Option"}
        option = world.apply(sid, owner, "consent.option_add", text="Option")["card_id"]
        if op_type == "rating.clear":
            world.apply(sid, part, "rating.set", card_id=option, value=4)
            return {"card_id": option}
        return {"card_id": option, "value": 3}
    if op_type == "poll.answer":
        world.apply(sid, owner, "step.goto", step_key="fist")
        return {"choices": [4]}
    if op_type.startswith("action."):
        world.apply(sid, owner, "step.goto", step_key="next_steps")
        if op_type == "action.add":
            return {"who": "Kim", "what": "Kosten schätzen"}
        item = world.apply(sid, author, "action.add", who="Kim", what="Kosten schätzen")["item_id"]
        return {"item_id": item, **({"who": "Sam", "what": "Kosten prüfen"} if op_type == "action.edit" else {})}
    raise AssertionError(f"no scenario for {op_type}: add one to prepare()")


def connect(world: World, role: str, sid: int, token: str, other_token: str):
    """The role's connection to session sid, or None when the server refuses it."""
    base = world.server.base_url
    if role in ACCOUNTS:
        attempts = [("facilitator", {"cookies": cookie_header(world.http[role])})]
    else:
        attempts = {
            ANON: [("participant", {}), ("facilitator", {}), ("projector", {})],
            PART: [("participant", {"token": token})],
            PART_OTHER: [("participant", {"token": other_token})],
            PROJECTOR: [("projector", {"cookies": cookie_header(world.owner_http)})],
            PROJECTOR_LINK: [("projector", {"token": world.projector_token(sid)})],
        }[role]
    for as_role, credentials in attempts:
        try:
            return LiveClient(base, sid, as_role, **credentials)
        except socketio.exceptions.ConnectionError:
            continue
    return None


def engine_actor(world: World, role: str, pid: int, other_pid: int) -> Actor | None:
    if role in ACCOUNTS:
        return Actor(FACILITATOR, world.users[role])
    return {PART: Actor(PARTICIPANT, pid), PART_OTHER: Actor(PARTICIPANT, other_pid)}.get(role)


def test_socket_operations_by_role(server):
    world = World(server)
    _t, other_pid, other_token = world.new_session(world.other)
    wrong: list[str] = []
    for op_type in OP_TABLE:
        for role in SOCKET_ROLES:
            sid, pid, token = world.new_session(world.owner, OP_TEMPLATE.get(op_type, "framing"))
            actor = engine_actor(world, role, pid, other_pid)
            author = actor if role in NOTES | {PART} else Actor(PARTICIPANT, pid)
            payload = prepare(world, op_type, sid, pid, author)
            allowed = role in OP_TABLE[op_type]
            client = connect(world, role, sid, token, other_token)
            if client is None:
                outcome = "refused at connect"
                # The engine refuses too, should a connection ever carry the wrong actor.
                if actor is not None:
                    try:
                        engine.apply(server.sessions, sid, actor, {"type": op_type, "payload": payload})
                        outcome = "engine applied it"
                    except engine.Rejected as rejected:
                        if rejected.code != "forbidden":
                            outcome = f"engine said {rejected.code}: {rejected.message}"
                succeeded = False
            else:
                with client:
                    ack = client.op(op_type, **payload)
                succeeded = ack["ok"]
                outcome = "ok" if succeeded else ack["error"]["code"]
                if not succeeded and ack["error"]["code"] != "forbidden":
                    outcome += f" (expected ok or forbidden: {ack['error']['message']})"
            if succeeded != allowed or outcome not in ("ok", "forbidden", "refused at connect"):
                wrong.append(f"{op_type} by {role}: {outcome}, expected {'ok' if allowed else 'refused'}")
    assert not wrong, "\n".join(wrong)


def test_who_may_connect(server):
    world = World(server)
    sid, _pid, token = world.new_session(world.owner)
    _t, _other_pid, other_token = world.new_session(world.other)
    credentials = {
        ANON: {},
        PART: {"token": token},
        PART_OTHER: {"token": other_token},
        PROJECTOR_LINK: {"token": world.projector_token(sid)},
        **{role: {"cookies": cookie_header(world.http[role])} for role in ACCOUNTS},
    }
    wrong = []
    for as_role, allowed_roles in CONNECT_TABLE.items():
        for role, given in credentials.items():
            try:
                with LiveClient(server.base_url, sid, as_role, **given) as client:
                    connected = client.state["session"]["id"] == sid
            except socketio.exceptions.ConnectionError:
                connected = False
            if connected != (role in allowed_roles):
                wrong.append(f"{role} connecting as {as_role}: {'connected' if connected else 'refused'}")
    assert not wrong, "\n".join(wrong)


# --- HTTP routes --------------------------------------------------------------------------


def http_as(world: World, role: str, code: str, other_code: str) -> requests.Session:
    base = world.server.base_url
    if role in ACCOUNTS:
        return world.http[role]
    http = requests.Session()
    if role in (PART, PART_OTHER):
        joined_code = code if role == PART else other_code
        page = http.get(f"{base}/j/{joined_code}")
        token = csrf_token_in(page.text)
        assert http.post(f"{base}/j/{joined_code}", data={"csrf_token": token}).status_code == 200
    return http


def csrf_token_in(html: str) -> str:
    import re

    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def throwaway_targets(world: World, sid: int) -> tuple[int, int, int, str]:
    """A measure member, a session member and a projector link to remove or revoke (one per try)."""
    from workshop.access.models import MeasureMember, SessionMember
    from workshop.access.projector import create_link

    # No retry: the server's SQLite waits for the write lock cooperatively (workshop/db.py), so
    # 'database is locked' here would be a real bug (tests/unit/test_sqlite_under_eventlet.py).
    with world.server.db() as db:
        person = create_facilitator(db, f"t{uuid.uuid4().hex[:8]}@example.org", "Throwaway", PASSWORD)
        db.flush()
        measure_member = MeasureMember(measure_id=world.measure, facilitator_id=person.id, role="observer")
        session_member = SessionMember(session_id=sid, facilitator_id=person.id, role="observer")
        db.add_all([measure_member, session_member])
        link, token = create_link(db, sid, world.owner)
        db.commit()
        return measure_member.id, session_member.id, link.id, token


def monitoring_targets(world: World) -> dict:
    """A milestone, an indicator with a value, an evidence file and the owner's calendar address
    on the world's measure (one set per try: some routes delete them)."""
    from workshop.measures import monitoring
    from workshop.measures import record as record_ops
    from workshop.measures.models import Measure
    from workshop.monitoring.models import CalendarFeed, feed_token_hash

    with world.server.db() as db:
        measure = db.get(Measure, world.measure)
        milestone = record_ops.save_milestone(db, measure, None, {"title": "Meilenstein"}, author_id=world.owner)
        indicator = record_ops.save_indicator(db, measure, None, {"name": "Indikator"}, author_id=world.owner)
        value = record_ops.add_indicator_value(
            db, measure, indicator, {"value": uuid.uuid4().int % 1000}, author_id=world.owner
        )
        evidence = monitoring.EvidenceFile(
            measure_id=measure.id, name="n.pdf", mime="application/pdf", size=4, data=b"%PDF"
        )
        token = uuid.uuid4().hex
        feed = CalendarFeed(measure_id=measure.id, facilitator_id=world.owner, token_hash=feed_token_hash(token))
        db.add_all([evidence, feed])
        db.commit()
        return {
            "milestone": milestone.id,
            "indicator": indicator.id,
            "value": value.id,
            "file": evidence.id,
            "feed": feed.id,
            "token": token,
        }


def request_route(world: World, http: requests.Session, route: str, sid: int, code: str) -> requests.Response:
    base, mid = world.server.base_url, world.measure
    token = session_csrf_token(http, f"{base}/login")
    form = {"csrf_token": token}
    measure_member, session_member, link, link_token = throwaway_targets(world, sid)
    ids = ("<milestone_id>", "<indicator_id>", "<value_id>", "<file_id>", "<feed_id>", "/kalender/")
    t = monitoring_targets(world) if any(part in route for part in ids) else {}
    calls = {
        "GET /measures/<id>": ("get", f"/measures/{mid}", None),
        "GET /measures/<id>/history": ("get", f"/measures/{mid}/history", None),
        "GET /measures/<id>/draft": ("get", f"/measures/{mid}/draft", None),
        "GET /measures/<id>/team": ("get", f"/measures/{mid}/team", None),
        "POST /measures/<id>/team": (
            "post",
            f"/measures/{mid}/team",
            {**form, "email": world.server.email("spare@example.org"), "role": "observer"},
        ),
        "POST /measures/<id>/team/<member_id>/remove": ("post", f"/measures/{mid}/team/{measure_member}/remove", form),
        "GET /sessions/<id>/team": ("get", f"/sessions/{sid}/team", None),
        "POST /sessions/<id>/team": (
            "post",
            f"/sessions/{sid}/team",
            {**form, "email": world.server.email("spare@example.org"), "role": "observer"},
        ),
        "POST /sessions/<id>/team/<member_id>/remove": ("post", f"/sessions/{sid}/team/{session_member}/remove", form),
        "POST /sessions/<id>/projector-links": ("post", f"/sessions/{sid}/projector-links", form),
        "POST /sessions/<id>/projector-links/<link_id>/revoke": (
            "post",
            f"/sessions/{sid}/projector-links/{link}/revoke",
            form,
        ),
        "GET /p/<token>": ("get", f"/p/{link_token}", None),
        "POST /login": (
            "post",
            "/login",
            {**form, "email": world.server.email("spare@example.org"), "password": PASSWORD},
        ),
        "POST /logout": ("post", "/logout", form),
        "POST /measures": ("post", "/measures", {**form, "title": "Neue Maßnahme"}),
        "POST /measures/<id>/fields": (
            "post",
            f"/measures/{mid}/fields",
            {**form, "field_key": "open_questions", "value": "Notiz"},
        ),
        "POST /measures/<id>/redact": ("post", f"/measures/{mid}/redact", {**form, "card_id": "1"}),
        "POST /measures/<id>/sessions": ("post", f"/measures/{mid}/sessions", {**form, "template_key": "framing"}),
        "POST /measures/<id>/status": ("post", f"/measures/{mid}/status", {**form, "to_status": "draft"}),
        "POST /measures/<id>/reopen": ("post", f"/measures/{mid}/reopen", {**form, "reason": "Nachsteuern"}),
        "POST /measures/<id>/revisions/<revision_id>/restore": (
            "post",
            f"/measures/{mid}/revisions/{world.revision}/restore",
            form,
        ),
        "POST /measures/<id>/comments": ("post", f"/measures/{mid}/comments", {**form, "text": "Ein Kommentar"}),
        "GET /register": ("get", "/register", None),
        "GET /register/export.<fmt>": ("get", "/register/export.xlsx?layout=berlin", None),
        "GET /register/measures/<id>.json": ("get", f"/register/measures/{mid}.json", None),
        "POST /register/import": ("post", "/register/import", form),
        "POST /register/measures/<id>/public": ("post", f"/register/measures/{mid}/public", {**form, "public": "0"}),
        "POST /register/sessions/<id>/cards/<card_id>/fate": (
            "post",
            f"/register/sessions/{sid}/cards/0/fate",
            {**form, "kind": "open"},
        ),
        "GET /api/measures/<id>": ("get", f"/api/measures/{mid}", None),
        "GET /api/sessions/<id>/protocol": ("get", f"/api/sessions/{sid}/protocol", None),
        "POST /templates/<base_key>/adapt": ("post", "/templates/framing/adapt", {**form, "title": "Kopie"}),
        "GET /templates/custom/<template_id>": ("get", f"/templates/custom/{world.custom_template}", None),
        "POST /templates/custom/<template_id>": (
            "post",
            f"/templates/custom/{world.custom_template}",
            {**form, "title": "Kopie"},
        ),
        "POST /join": ("post", "/join", {**form, "code": code}),
        "POST /j/<code>": ("post", f"/j/{code}", {**form, "display_name": ""}),
        "POST /j/<code>/t/<int:table_no>": ("post", f"/j/{code}/t/1", {**form, "display_name": ""}),
        "GET /sessions/<id>/tische": ("get", f"/sessions/{sid}/tische", None),
        "POST /api/join": ("json", "/api/join", {"code": code}),
        "GET /sessions/<id>": ("get", f"/sessions/{sid}", None),
        "GET /sessions/<id>/projector": ("get", f"/sessions/{sid}/projector", None),
        "GET /sessions/<id>/protocol.md": ("get", f"/sessions/{sid}/protocol.md", None),
        "GET /sessions/<id>/protocol.html": ("get", f"/sessions/{sid}/protocol.html", None),
        "GET /sessions/<id>/capture-preview": ("get", f"/sessions/{sid}/capture-preview?step_key=approaches", None),
        "POST /training": ("post", "/training", {**form, "template_key": "framing"}),
        "POST /training/sessions/<session_id>/bots": (
            "post",
            f"/training/sessions/{world.practice}/bots",
            {**form, "count": 1, "seconds": 30},
        ),
        "POST /training/sessions/<session_id>/bots/stop": (
            "post",
            f"/training/sessions/{world.practice}/bots/stop",
            form,
        ),
        "POST /training/sessions/<session_id>/reset": ("post", f"/training/sessions/{world.practice}/reset", form),
        "POST /sessions/<session_id>/notes": ("post", f"/sessions/{sid}/notes", {**form, "text": "Notiz"}),
        "GET /sessions/<id>/debrief": ("get", f"/sessions/{sid}/debrief", None),
        "GET /sessions/<id>/replay.json": ("get", f"/sessions/{sid}/replay.json?view=console", None),
        "POST /training/sessions/<session_id>/delete": ("post", f"/training/sessions/{world.practice}/delete", form),
        "POST /barrierefreiheit": ("post", "/barrierefreiheit", {**form, "description": "Knopf nicht erreichbar."}),
        "GET /barrierefreiheit/meldungen": ("get", "/barrierefreiheit/meldungen", None),
        "POST /barrierefreiheit/meldungen/<report_id>/answered": (
            "post",
            f"/barrierefreiheit/meldungen/{world.report}/answered",
            form,
        ),
        "GET /sessions/<id>/protocol.pdf": ("get", f"/sessions/{sid}/protocol.pdf", None),
        "GET /sessions/<id>/protocol.docx": ("get", f"/sessions/{sid}/protocol.docx", None),
        "GET /sessions/<session_id>/protocol": ("get", f"/sessions/{sid}/protocol", None),
        "POST /sessions/<session_id>/protocol": ("post", f"/sessions/{sid}/protocol", {**form, "next_date": "morgen"}),
        "POST /sessions/<session_id>/protocol/attachments": ("upload", f"/sessions/{sid}/protocol/attachments", form),
        "POST /sessions/<session_id>/protocol/attachments/<attachment_id>/remove": (
            "post",
            f"/sessions/{sid}/protocol/attachments/1/remove",
            form,
        ),
        "POST /sessions/<session_id>/protocol/finalize": ("post", f"/sessions/{sid}/protocol/finalize", form),
        "POST /sessions/<session_id>/protocol/reopen": (
            "post",
            f"/sessions/{sid}/protocol/reopen",
            {**form, "reason": "Tippfehler"},
        ),
        "GET /measures/<id>/record.pdf": ("get", f"/measures/{mid}/record.pdf", None),
        "GET /measures/<id>/record.docx": ("get", f"/measures/{mid}/record.docx", None),
        "GET /sessions/<id>/agenda": ("get", f"/sessions/{sid}/agenda", None),
        "POST /sessions/<id>/agenda": ("post", f"/sessions/{sid}/agenda", {**form, "title": "Neu"}),
        "GET /sessions/<id>/invitation": ("get", f"/sessions/{sid}/invitation", None),
        "GET /sessions/<id>/files/<file_id>": ("get", f"/sessions/{sid}/files/{world.file}", None),
        "GET /measures/<id>/monitoring": ("get", f"/measures/{mid}/monitoring", None),
        "POST /measures/<id>/milestones": ("post", f"/measures/{mid}/milestones", {**form, "title": "Neu"}),
        "POST /measures/<id>/milestones/<milestone_id>": (
            "post",
            f"/measures/{mid}/milestones/{t.get('milestone')}",
            {**form, "status": "active"},
        ),
        "POST /measures/<id>/milestones/<milestone_id>/evidence": (
            "upload",
            f"/measures/{mid}/milestones/{t.get('milestone')}/evidence",
            form,
        ),
        "GET /measures/<id>/evidence/<file_id>": ("get", f"/measures/{mid}/evidence/{t.get('file')}", None),
        "POST /measures/<id>/milestones/<milestone_id>/delete": (
            "post",
            f"/measures/{mid}/milestones/{t.get('milestone')}/delete",
            form,
        ),
        "POST /measures/<id>/indicators": ("post", f"/measures/{mid}/indicators", {**form, "name": "Neu"}),
        "POST /measures/<id>/indicators/<indicator_id>": (
            "post",
            f"/measures/{mid}/indicators/{t.get('indicator')}",
            {**form, "note": "Notiz"},
        ),
        "POST /measures/<id>/indicators/<indicator_id>/values": (
            "post",
            f"/measures/{mid}/indicators/{t.get('indicator')}/values",
            {**form, "value": "3"},
        ),
        "POST /measures/<id>/values/<value_id>/delete": (
            "post",
            f"/measures/{mid}/values/{t.get('value')}/delete",
            form,
        ),
        "POST /measures/<id>/indicators/<indicator_id>/delete": (
            "post",
            f"/measures/{mid}/indicators/{t.get('indicator')}/delete",
            form,
        ),
        "GET /measures/<id>/calendar.ics": ("get", f"/measures/{mid}/calendar.ics", None),
        "POST /measures/<id>/calendar/feeds": ("post", f"/measures/{mid}/calendar/feeds", form),
        "POST /measures/<id>/calendar/feeds/<feed_id>/delete": (
            "post",
            f"/measures/{mid}/calendar/feeds/{t.get('feed')}/delete",
            form,
        ),
        "GET /kalender/<token>.ics": ("get", f"/kalender/{t.get('token')}.ics", None),
        "POST /reports/status": (
            "post",
            "/reports/status",
            {**form, "scope": "measure", "measure_id": mid, "format": "docx"},
        ),
        "GET /register/monitoring.<fmt>": ("get", "/register/monitoring.csv", None),
        "POST /register/monitoring/import": ("post", "/register/monitoring/import", form),
        "GET /api/measures/<id>/monitoring": ("get", f"/api/measures/{mid}/monitoring", None),
        "GET /sessions/<id>/files/<file_id>/pages": ("get", f"/sessions/{sid}/files/{world.pdf}/pages", None),
        "GET /sessions/<id>/files/<file_id>/pages/<number>": (
            "get",
            f"/sessions/{sid}/files/{world.pdf}/pages/1",
            None,
        ),
        "POST /register/measures/<id>/public/fields": (
            "post",
            f"/register/measures/{mid}/public/fields",
            {**form, "field": "actors"},
        ),
    }
    method, path, data = calls[route]
    if method == "json":
        return http.post(base + path, json=data, allow_redirects=False)
    if method == "post":
        return http.post(base + path, data=data, allow_redirects=False)
    if method == "upload":
        return http.post(
            base + path, data=data, files={"file": ("flipchart.png", _tiny_png(), "image/png")}, allow_redirects=False
        )
    return http.get(base + path, allow_redirects=False)


def _tiny_pdf() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (60, 40), (255, 255, 255)).save(out, "PDF")
    return out.getvalue()


def _tiny_png() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), (255, 255, 255)).save(out, "PNG")
    return out.getvalue()


def session_csrf_token(http: requests.Session, url: str) -> str:
    """The CSRF token of this browser session: it stays valid as long as the session does, so a
    session fetches it once (a login or logout starts a new session: a new token, fetched then)."""
    cookie = http.cookies.get("session")
    cached = getattr(http, "csrf_cache", None)
    if cached is None or cached[0] != cookie:
        token = csrf_token(http, url)
        http.csrf_cache = (http.cookies.get("session"), token)  # type: ignore[attr-defined]
        return token
    return cached[1]


def denied(response: requests.Response) -> bool:
    # login_required sends to /login?next=…; a plain redirect to /login (after logout) is success.
    to_login = response.is_redirect and "/login?next=" in response.headers.get("Location", "")
    return to_login or response.status_code in (401, 403, 404)


def test_http_routes_by_role(server):
    world = World(server)
    with server.db() as db:  # a revision to restore, and the owner's adapted format
        from workshop.agenda.templates import SESSION_TEMPLATE_DIR, load_template_file
        from workshop.measures.models import Measure
        from workshop.measures.record import edit_by_hand
        from workshop.sessions.models import CustomTemplate

        revision = edit_by_hand(db, db.get(Measure, world.measure), "open_questions", "alt", world.owner)
        custom = CustomTemplate(
            facilitator_id=world.owner,
            measure_id=world.measure,  # the library of this measure's team
            base_key="framing",
            title="Kopie",
            template=load_template_file(SESSION_TEMPLATE_DIR / "framing.yaml"),
        )
        db.add(custom)
        db.commit()
        world.revision, world.custom_template = revision.id, custom.id
        from workshop.training.practice import create_practice_session

        world.practice = create_practice_session(
            db, facilitator_id=world.owner, template_key="framing", title="Übung"
        ).id
        db.commit()
        from workshop.accessibility.models import BarrierReport

        report = BarrierReport(description="Kontrast zu schwach.")
        db.add(report)
        db.commit()
        world.report = report.id
    sid, code = server.session(world.owner, world.measure)
    world.add_session_staff(sid)
    _t, other_code = server.session(world.other, world.other_measure)
    with server.db() as db:  # an input step's image in the owner's session
        from workshop.sessions.models import SessionFile

        stored = SessionFile(session_id=sid, name="folie.png", mime="image/png", size=4, data=b"\x89PNG")
        pdf = SessionFile(session_id=sid, name="folien.pdf", mime="application/pdf", size=0, data=_tiny_pdf())
        db.add_all([stored, pdf])
        db.commit()
        world.file, world.pdf = stored.id, pdf.id
    wrong = []
    for route, allowed_roles in ROUTE_TABLE.items():
        for role in HTTP_ROLES:
            # A login of its own: for login/logout, and for a session's files (the cached login has
            # joined the session as a participant by then, through the join rows, and may see them).
            if (
                route in ("POST /login", "POST /logout") or route.startswith("GET /sessions/<id>/files/")
            ) and role in ACCOUNTS:
                http = login(server.base_url, server.email(email(role)), PASSWORD)
            else:
                http = http_as(world, role, code, other_code)
            response = request_route(world, http, route, sid, code)
            if route == "POST /logout" and role in ACCOUNTS:  # a logout revokes every cookie of the account
                world.http[role] = login(server.base_url, server.email(email(role)), PASSWORD)
            allowed = role in allowed_roles
            if denied(response) == allowed or response.status_code >= 500:
                wrong.append(
                    f"{route} by {role}: {response.status_code} {response.headers.get('Location', '')}"
                    f", expected {'through' if allowed else 'denied'}"
                )
            elif not allowed and role == FAC_OTHER and response.status_code != 404:
                # someone else's session does not exist for you
                wrong.append(f"{route} by {role}: {response.status_code}, expected 404")
    assert not wrong, "\n".join(wrong)


def test_a_refused_connection_is_told_why(server):
    world = World(server)
    sid, _pid, _token = world.new_session(world.owner)
    cases = [
        ({"session_id": sid, "role": "participant"}, {}, "not a participant of this session"),
        (
            {"session_id": sid, "role": "facilitator"},
            {"Cookie": cookie_header(world.other_http)},
            "log in as the session's facilitator",
        ),
        ({"session_id": 999999, "role": "participant"}, {}, "unknown session"),
        ({"session_id": sid, "role": "admin"}, {}, "auth.role must be participant, facilitator or projector"),
    ]
    for auth, headers, why in cases:
        client = socketio.Client(reconnection=False)
        reasons = []
        client.on("connect_error", reasons.append)
        try:
            client.connect(server.base_url, auth=auth, headers=headers, transports=["websocket"], wait_timeout=5)
        except socketio.exceptions.ConnectionError:
            pass
        assert not client.connected and reasons == [{"message": why}], (auth, reasons)


# --- co-drafting (namespace /draft) -------------------------------------------------------


def test_draft_namespace_by_role(server):
    """Who may read and write the measure's co-drafting documents: its team; observers read."""
    from tests.draft_client import DraftClient

    world = World(server)
    sid, pid, _token = world.new_session(world.owner)
    owner = Actor(FACILITATOR, world.owner)
    world.apply(sid, owner, "session.start")
    shown = world.apply(sid, Actor(PARTICIPANT, pid), "card.add", step_key="approaches", text="Sichtbar")["card_id"]
    hidden = world.apply(sid, Actor(PARTICIPANT, pid), "card.add", step_key="approaches", text="Verborgen")["card_id"]
    world.apply(sid, owner, "card.hide", card_id=hidden, hidden=True)
    wrong = []
    for role in (ANON, *ACCOUNTS):
        try:
            client = DraftClient(
                server.base_url, cookie_header(world.http[role]) if role in ACCOUNTS else "", world.measure
            )
        except socketio.exceptions.ConnectionError:
            if role != ANON:
                wrong.append(f"{role}: refused at connect")
            continue
        try:
            if role == ANON:
                wrong.append("anonymous: connected to /draft")
                continue
            joined = client.join()
            expect_join = "ok" if role in TEAM else "measure_not_found"
            got = "ok" if joined.get("ok") else joined["error"]["code"]
            if got != expect_join:
                wrong.append(f"draft.join by {role}: {got}, expected {expect_join}")
            if not joined.get("ok"):
                continue
            writes = role in WRITES_RECORD
            acks = {
                "draft.update": client.edit("open_questions", lambda text: text.insert(0, "x")),
                "draft.flush": client.call("draft.flush", {"measure_id": world.measure, "field_key": "open_questions"}),
                "draft.pull_card": client.call(
                    "draft.pull_card", {"measure_id": world.measure, "field_key": "open_questions", "card_id": shown}
                ),
            }
            for event, ack in acks.items():
                got = "ok" if ack.get("ok") else ack["error"]["code"]
                if got != ("ok" if writes else "forbidden"):
                    wrong.append(f"{event} by {role}: {got}, expected {'ok' if writes else 'forbidden'}")
            if writes:  # a card moderation hid is no card of the measure's (co-drafting page leak)
                ack = client.call(
                    "draft.pull_card", {"measure_id": world.measure, "field_key": "open_questions", "card_id": hidden}
                )
                if ack.get("ok") or ack["error"]["code"] != "card_not_found":
                    wrong.append(f"draft.pull_card of a hidden card by {role}: {ack}")
        finally:
            client.close()
    page = world.http[M_EDITOR].get(f"{server.base_url}/measures/{world.measure}/draft").text
    if "Verborgen" in page or "Sichtbar" not in page:
        wrong.append("the co-drafting page offers a card moderation hid (or not the shown one)")
    assert not wrong, "\n".join(wrong)


def test_a_revoked_projector_link_opens_nothing_and_closes_its_screen(server):
    world = World(server)
    sid, _pid, _token = world.new_session(world.owner)
    http = world.owner_http
    page = http.get(f"{server.base_url}/sessions/{sid}/team")
    created = http.post(
        f"{server.base_url}/sessions/{sid}/projector-links",
        allow_redirects=False,
        data={"csrf_token": csrf_token(http, f"{server.base_url}/sessions/{sid}/team")},
    )
    assert page.status_code == 200 and created.status_code == 303
    import re

    team = http.get(f"{server.base_url}/sessions/{sid}/team").text
    url = re.search(r'id="new-projector-link" href="([^"]+)"', team).group(1)
    room_pc = requests.Session()  # the room's PC: nobody logged in
    projector_page = room_pc.get(url)
    assert projector_page.status_code == 200 and 'data-role="projector"' in projector_page.text
    screen = LiveClient(server.base_url, sid, "projector", cookies=cookie_header(room_pc))
    assert screen.state["me"]["role"] == "viewer"
    assert screen.op("step.goto", step_key="scope")["error"]["code"] == "forbidden"
    with server.db() as db:
        from workshop.access.models import ProjectorLink

        link_id = db.scalars(select(ProjectorLink.id).where(ProjectorLink.session_id == sid)).one()
    revoked = http.post(
        f"{server.base_url}/sessions/{sid}/projector-links/{link_id}/revoke",
        allow_redirects=False,
        data={"csrf_token": csrf_token(http, f"{server.base_url}/sessions/{sid}/team")},
    )
    assert revoked.status_code == 303
    screen.wait_for(lambda c: not c.sio.connected, "the revoked link's screen to be disconnected")
    assert room_pc.get(url).status_code == 404
    try:
        LiveClient(server.base_url, sid, "projector", cookies=cookie_header(room_pc))
        raise AssertionError("a revoked projector link still connects")
    except socketio.exceptions.ConnectionError:
        pass
