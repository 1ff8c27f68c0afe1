"""Who may do what: every socket operation and every state-changing or private HTTP route,
tried by every kind of person. Only the pairs in the tables below may succeed.

The tables are written out by hand on purpose (not derived from OpSpec.roles): a new operation
or route fails here until someone decides who may use it.
"""
from __future__ import annotations

import requests
import socketio

from workshop.app import create_app
from workshop.live import engine
from workshop.ops import FACILITATOR, PARTICIPANT, Actor
from workshop.live.engine import OPS

from tests.conftest import PASSWORD
from tests.live_client import LiveClient, cookie_header, csrf_token, login

ANON = "anonymous"
PART = "participant of this session"
PART_OTHER = "participant of another session"
FAC_OTHER = "facilitator of another session"
OWNER = "the session's facilitator"
PROJECTOR = "the session's projector"  # the owner's read-only screen
HTTP_ROLES = (ANON, PART, PART_OTHER, FAC_OTHER, OWNER)
SOCKET_ROLES = (*HTTP_ROLES, PROJECTOR)
EVERYONE = frozenset(HTTP_ROLES)

# Socket operation -> the roles whose op succeeds. participant.join happens over HTTP only.
OP_TABLE: dict[str, frozenset[str]] = {
    "participant.join": frozenset(),
    "session.start": frozenset({OWNER}),
    "session.end": frozenset({OWNER}),
    "step.goto": frozenset({OWNER}),
    "record.capture": frozenset({OWNER}),
    "record.undo": frozenset({OWNER}),
    "card.add": frozenset({OWNER, PART}),
    "card.edit": frozenset({OWNER, PART}),  # on their own card
    "card.delete": frozenset({OWNER, PART}),  # on their own card
    "vote.add": frozenset({PART}),
    "vote.remove": frozenset({PART}),
    # The facilitator's controls and moderation.
    "step.lock": frozenset({OWNER}),
    "step.reveal": frozenset({OWNER}),
    "timer.start": frozenset({OWNER}),
    "timer.pause": frozenset({OWNER}),
    "timer.add": frozenset({OWNER}),
    "spotlight.set": frozenset({OWNER}),
    "card.hide": frozenset({OWNER}),
    "card.approve": frozenset({OWNER}),
    "cluster.create": frozenset({OWNER}),
    "cluster.rename": frozenset({OWNER}),
    "cluster.delete": frozenset({OWNER}),
    "card.cluster": frozenset({OWNER}),
    "consent.option_add": frozenset({OWNER}),
    # What participants do in the other activities.
    "rating.set": frozenset({PART}),
    "rating.clear": frozenset({PART}),
    "poll.answer": frozenset({PART}),
    "action.add": frozenset({OWNER, PART}),
    "action.edit": frozenset({OWNER, PART}),  # their own item (the facilitator: any)
    "action.delete": frozenset({OWNER, PART}),
}

# The format each operation is tried in (framing unless named).
OP_TEMPLATE = {
    "card.approve": "public_participation",
    **dict.fromkeys(("cluster.create", "cluster.rename", "cluster.delete", "card.cluster"), "knowledge_merge"),
    **dict.fromkeys(("consent.option_add", "rating.set", "rating.clear", "poll.answer"), "mandate"),
    **dict.fromkeys(("action.add", "action.edit", "action.delete"), "co_drafting"),
}

# Who may connect to a session, and as what.
CONNECT_TABLE: dict[str, frozenset[str]] = {
    "participant": frozenset({PART}),
    "facilitator": frozenset({OWNER}),
    "projector": frozenset({OWNER}),
}

# HTTP route -> the roles that get through. Measures are shared by all facilitators (one
# municipal team); sessions, their consoles and protocols belong to their facilitator.
ROUTE_TABLE: dict[str, frozenset[str]] = {
    "POST /login": EVERYONE,
    "POST /logout": frozenset({FAC_OTHER, OWNER}),
    "POST /measures": frozenset({FAC_OTHER, OWNER}),
    "POST /measures/<id>/fields": frozenset({FAC_OTHER, OWNER}),
    "POST /measures/<id>/sessions": frozenset({FAC_OTHER, OWNER}),
    "POST /measures/<id>/status": frozenset({FAC_OTHER, OWNER}),
    "POST /measures/<id>/reopen": frozenset({FAC_OTHER, OWNER}),
    "POST /measures/<id>/revisions/<revision_id>/restore": frozenset({FAC_OTHER, OWNER}),
    "POST /measures/<id>/comments": frozenset({FAC_OTHER, OWNER}),
    # The register: every facilitator (register/access.py is where team roles will decide).
    "GET /register": frozenset({FAC_OTHER, OWNER}),
    "GET /register/export.<fmt>": frozenset({FAC_OTHER, OWNER}),
    "GET /register/measures/<id>.json": frozenset({FAC_OTHER, OWNER}),
    "POST /register/import": frozenset({FAC_OTHER, OWNER}),
    # Public pages: the team opts in (any facilitator); fates only by the session's facilitator.
    "POST /register/measures/<id>/public": frozenset({FAC_OTHER, OWNER}),
    "POST /register/sessions/<id>/cards/<card_id>/fate": frozenset({OWNER}),
    # The read API: measures like the register, a session and its protocol like the console.
    "GET /api/measures/<id>": frozenset({FAC_OTHER, OWNER}),
    "GET /api/sessions/<id>/protocol": frozenset({OWNER}),
    # Formats: anyone logged in may adapt a copy; an adapted copy belongs to its facilitator.
    "POST /templates/<base_key>/adapt": frozenset({FAC_OTHER, OWNER}),
    "POST /templates/custom/<template_id>": frozenset({OWNER}),
    "POST /join": EVERYONE,
    "POST /j/<code>": EVERYONE,
    "POST /api/join": EVERYONE,
    "GET /sessions/<id>": frozenset({OWNER}),
    "GET /sessions/<id>/projector": frozenset({OWNER}),
    "GET /sessions/<id>/protocol.md": frozenset({OWNER}),
    "GET /sessions/<id>/protocol.html": frozenset({OWNER}),
    "GET /sessions/<id>/capture-preview": frozenset({OWNER}),
}


def test_every_operation_is_in_the_table():
    missing, stale = set(OPS) - set(OP_TABLE), set(OP_TABLE) - set(OPS)
    assert not missing, f"operations without a row in OP_TABLE (decide who may use them): {sorted(missing)}"
    assert not stale, f"OP_TABLE lists operations that no longer exist: {sorted(stale)}"


def test_every_state_changing_route_is_in_the_table(tmp_path):
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'routes.db'}", "SOCKETIO_ASYNC_MODE": "threading"})
    posts = {rule.rule for rule in app.url_map.iter_rules() if "POST" in rule.methods}
    listed = {route.split(" ", 1)[1].replace("/measures/<id>", "/measures/<measure_id>")
              .replace("/sessions/<id>", "/sessions/<session_id>") for route in ROUTE_TABLE
              if route.startswith("POST")}
    unlisted = sorted(p for p in posts if p not in listed)
    assert not unlisted, f"POST routes without a row in ROUTE_TABLE: {unlisted}"


# --- socket operations ------------------------------------------------------------------

class World:
    """Two sessions (S of OWNER, T of FAC_OTHER) with a participant each, over the server's database."""

    def __init__(self, server):
        self.server = server
        self.owner = server.facilitator("owner@example.org", "Owner")
        self.other = server.facilitator("other@example.org", "Other")
        self.measure = server.measure()
        self.owner_http = login(server.base_url, "owner@example.org", PASSWORD)
        self.other_http = login(server.base_url, "other@example.org", PASSWORD)

    def apply(self, sid, actor, op_type, **payload):
        applied = engine.apply(self.server.sessions, sid, actor, {"type": op_type, "payload": payload})
        return applied.result

    def new_session(self, facilitator_id, template_key="framing"):
        sid, _code = self.server.session(facilitator_id, self.measure, template_key=template_key)
        joined = engine.apply(self.server.sessions, sid, Actor.system(),
                              {"type": "participant.join", "payload": {}}).result
        return sid, joined["participant_id"], joined["token"]


def prepare(world: World, op_type: str, sid: int, pid: int, author: Actor) -> dict:
    """Bring session sid into a state in which op_type would succeed for `author`; its payload."""
    owner, part = Actor(FACILITATOR, world.owner), Actor(PARTICIPANT, pid)
    if op_type in ("session.start", "session.end"):
        return {}
    if op_type == "participant.join":
        return {"display_name": "x"}
    world.apply(sid, owner, "session.start")
    if op_type == "step.goto":
        return {"step_key": "scope"}
    if op_type == "card.add":
        return {"step_key": "approaches", "text": "neu"}
    if op_type == "record.capture":
        world.apply(sid, part, "card.add", step_key="approaches", text="Ansatz")
        return {"step_key": "approaches"}
    if op_type == "record.undo":
        world.apply(sid, part, "card.add", step_key="approaches", text="Ansatz")
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
        return {"cluster.rename": {"cluster_id": cluster, "title": "Neu"}, "cluster.delete": {"cluster_id": cluster},
                "card.cluster": {"card_id": card["card_id"], "cluster_id": cluster}}[op_type]
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
    attempts = {
        ANON: [("participant", {}), ("facilitator", {})],
        PART: [("participant", {"token": token})],
        PART_OTHER: [("participant", {"token": other_token})],
        FAC_OTHER: [("facilitator", {"cookies": cookie_header(world.other_http)})],
        OWNER: [("facilitator", {"cookies": cookie_header(world.owner_http)})],
        PROJECTOR: [("projector", {"cookies": cookie_header(world.owner_http)})],
    }[role]
    for as_role, credentials in attempts:
        try:
            return LiveClient(base, sid, as_role, **credentials)
        except socketio.exceptions.ConnectionError:
            continue
    return None


def engine_actor(world: World, role: str, pid: int, other_pid: int) -> Actor | None:
    return {PART: Actor(PARTICIPANT, pid), PART_OTHER: Actor(PARTICIPANT, other_pid),
            FAC_OTHER: Actor(FACILITATOR, world.other), OWNER: Actor(FACILITATOR, world.owner)}.get(role)


def test_socket_operations_by_role(server):
    world = World(server)
    _t, other_pid, other_token = world.new_session(world.other)
    wrong: list[str] = []
    for op_type in OP_TABLE:
        for role in SOCKET_ROLES:
            sid, pid, token = world.new_session(world.owner, OP_TEMPLATE.get(op_type, "framing"))
            actor = engine_actor(world, role, pid, other_pid)
            author = actor if role in (PART, OWNER) else Actor(PARTICIPANT, pid)
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
    credentials = {ANON: {}, PART: {"token": token}, PART_OTHER: {"token": other_token},
                   FAC_OTHER: {"cookies": cookie_header(world.other_http)},
                   OWNER: {"cookies": cookie_header(world.owner_http)}}
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
    if role == OWNER:
        return login(base, "owner@example.org", PASSWORD)
    if role == FAC_OTHER:
        return login(base, "other@example.org", PASSWORD)
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


def request_route(world: World, http: requests.Session, route: str, sid: int, code: str) -> requests.Response:
    base, mid = world.server.base_url, world.measure
    token = csrf_token(http, f"{base}/login")
    form = {"csrf_token": token}
    calls = {
        "POST /login": ("post", "/login", {**form, "email": "owner@example.org", "password": PASSWORD}),
        "POST /logout": ("post", "/logout", form),
        "POST /measures": ("post", "/measures", {**form, "title": "Neue Maßnahme"}),
        "POST /measures/<id>/fields": ("post", f"/measures/{mid}/fields",
                                       {**form, "field_key": "open_questions", "value": "Notiz"}),
        "POST /measures/<id>/sessions": ("post", f"/measures/{mid}/sessions", {**form, "template_key": "framing"}),
        "POST /measures/<id>/status": ("post", f"/measures/{mid}/status", {**form, "to_status": "draft"}),
        "POST /measures/<id>/reopen": ("post", f"/measures/{mid}/reopen", {**form, "reason": "Nachsteuern"}),
        "POST /measures/<id>/revisions/<revision_id>/restore": (
            "post", f"/measures/{mid}/revisions/{world.revision}/restore", form),
        "POST /measures/<id>/comments": ("post", f"/measures/{mid}/comments", {**form, "text": "Ein Kommentar"}),
        "GET /register": ("get", "/register", None),
        "GET /register/export.<fmt>": ("get", "/register/export.xlsx?layout=berlin", None),
        "GET /register/measures/<id>.json": ("get", f"/register/measures/{mid}.json", None),
        "POST /register/import": ("post", "/register/import", form),
        "POST /register/measures/<id>/public": ("post", f"/register/measures/{mid}/public", {**form, "public": "0"}),
        "POST /register/sessions/<id>/cards/<card_id>/fate": ("post", f"/register/sessions/{sid}/cards/0/fate",
                                                               {**form, "kind": "open"}),
        "GET /api/measures/<id>": ("get", f"/api/measures/{mid}", None),
        "GET /api/sessions/<id>/protocol": ("get", f"/api/sessions/{sid}/protocol", None),
        "POST /templates/<base_key>/adapt": ("post", "/templates/framing/adapt", {**form, "title": "Kopie"}),
        "POST /templates/custom/<template_id>": ("post", f"/templates/custom/{world.custom_template}",
                                                 {**form, "title": "Kopie"}),
        "POST /join": ("post", "/join", {**form, "code": code}),
        "POST /j/<code>": ("post", f"/j/{code}", {**form, "display_name": ""}),
        "POST /api/join": ("json", "/api/join", {"code": code}),
        "GET /sessions/<id>": ("get", f"/sessions/{sid}", None),
        "GET /sessions/<id>/projector": ("get", f"/sessions/{sid}/projector", None),
        "GET /sessions/<id>/protocol.md": ("get", f"/sessions/{sid}/protocol.md", None),
        "GET /sessions/<id>/protocol.html": ("get", f"/sessions/{sid}/protocol.html", None),
        "GET /sessions/<id>/capture-preview": ("get", f"/sessions/{sid}/capture-preview?step_key=approaches", None),
    }
    method, path, data = calls[route]
    if method == "json":
        return http.post(base + path, json=data, allow_redirects=False)
    if method == "post":
        return http.post(base + path, data=data, allow_redirects=False)
    return http.get(base + path, allow_redirects=False)


def denied(response: requests.Response) -> bool:
    # login_required sends to /login?next=…; a plain redirect to /login (after logout) is success.
    to_login = response.is_redirect and "/login?next=" in response.headers.get("Location", "")
    return to_login or response.status_code in (401, 403, 404)


def test_http_routes_by_role(server):
    world = World(server)
    with server.db() as db:  # a revision to restore, and the owner's adapted format
        from workshop.measures.models import Measure
        from workshop.measures.record import edit_by_hand
        from workshop.sessions.models import CustomTemplate
        from workshop.agenda.templates import SESSION_TEMPLATE_DIR, load_template_file

        revision = edit_by_hand(db, db.get(Measure, world.measure), "open_questions", "alt", world.owner)
        custom = CustomTemplate(facilitator_id=world.owner, base_key="framing", title="Kopie",
                                template=load_template_file(SESSION_TEMPLATE_DIR / "framing.yaml"))
        db.add(custom)
        db.commit()
        world.revision, world.custom_template = revision.id, custom.id
    sid, code = server.session(world.owner, world.measure)
    _t, other_code = server.session(world.other, world.measure)
    wrong = []
    for route, allowed_roles in ROUTE_TABLE.items():
        for role in HTTP_ROLES:
            http = http_as(world, role, code, other_code)
            response = request_route(world, http, route, sid, code)
            allowed = role in allowed_roles
            if denied(response) == allowed or response.status_code >= 500:
                wrong.append(f"{route} by {role}: {response.status_code} {response.headers.get('Location', '')}"
                             f", expected {'through' if allowed else 'denied'}")
            elif not allowed and role == FAC_OTHER and response.status_code != 404:
                # someone else's session does not exist for you
                wrong.append(f"{route} by {role}: {response.status_code}, expected 404")
    assert not wrong, "\n".join(wrong)


def test_a_refused_connection_is_told_why(server):
    world = World(server)
    sid, _pid, _token = world.new_session(world.owner)
    cases = [({"session_id": sid, "role": "participant"}, {}, "not a participant of this session"),
             ({"session_id": sid, "role": "facilitator"}, {"Cookie": cookie_header(world.other_http)},
              "log in as the session's facilitator"),
             ({"session_id": 999999, "role": "participant"}, {}, "unknown session"),
             ({"session_id": sid, "role": "admin"}, {}, "auth.role must be participant, facilitator or projector")]
    for auth, headers, why in cases:
        client = socketio.Client(reconnection=False)
        reasons = []
        client.on("connect_error", reasons.append)
        try:
            client.connect(server.base_url, auth=auth, headers=headers, transports=["websocket"], wait_timeout=5)
        except socketio.exceptions.ConnectionError:
            pass
        assert not client.connected and reasons == [{"message": why}], (auth, reasons)
