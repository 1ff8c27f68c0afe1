"""Practice mode, simulated participants and the debrief, against a real server.

Every unit runs as a practice session with 30 simulated participants and a facilitator client;
the results must look like a real room's, no real record may change, and reset must restore the
start. One server for the module: the units share it.
"""

from __future__ import annotations

import copy
import os
import re
import subprocess
import sys

import pytest
import requests
from sqlalchemy import func, select

from tests.conftest import PASSWORD, running_server
from tests.live_client import LiveClient, apply_event, cookie_header, csrf_token, login
from workshop.accounts.service import create_facilitator
from workshop.activities.models import ActionItem, Card, PollAnswer, Rating, Vote
from workshop.live.models import Event
from workshop.measures.models import Measure, RecordRevision
from workshop.measures.record import current_values, set_field
from workshop.sessions.models import Participant, WorkshopSession

UNITS = ["framing", "knowledge_merge", "co_drafting", "mandate", "public_participation"]
BOTS = 30
EMAIL = "trainer@example.org"


@pytest.fixture(scope="module")
def practice(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("training")
    with running_server(f"sqlite:///{tmp / 'workshop.db'}", tmp) as server:
        with server.db() as db:
            trainer = create_facilitator(db, EMAIL, "Tina Trainer", PASSWORD)
            real = Measure(title="Echte Maßnahme", reference_number="2022-14222")
            db.add(real)
            db.flush()
            set_field(
                db,
                real,
                "short_description",
                [{"text": "Bleibt, wie es ist.", "source": None}],
                source_kind="manual",
                author_id=trainer.id,
            )
            db.commit()
            real_id = real.id
        http = login(server.base_url, EMAIL, PASSWORD)
        yield {"server": server, "http": http, "real_measure": real_id}


def post(http: requests.Session, base: str, path: str, data: dict, page: str = "/training") -> requests.Response:
    data = {"csrf_token": csrf_token(http, base + page), **data}
    return http.post(base + path, data=data, allow_redirects=False)


def new_practice(practice, template_key: str) -> int:
    server, http = practice["server"], practice["http"]
    answer = post(http, server.base_url, "/training", {"template_key": template_key, "title": f"Übung {template_key}"})
    assert answer.status_code == 303, answer.text[:300]
    return int(re.search(r"/sessions/(\d+)$", answer.headers["Location"]).group(1))


def real_record(practice) -> dict:
    with practice["server"].db() as db:
        measure = db.get(Measure, practice["real_measure"])
        return {key: value.value for key, value in current_values(db, measure).items()}


def count(server, model, session_id, *where) -> int:
    with server.db() as db:
        return db.scalar(select(func.count()).select_from(model).where(model.session_id == session_id, *where))


def staff_cards(client: LiveClient, step_key: str) -> list[dict]:
    return [c for c in client.state["cards"] if c["step_key"] == step_key]


def run_step(fac: LiveClient, server, sid: int, step: dict) -> None:
    """Wait until the simulated room has done what a real one would in this step."""
    key, kind = step["key"], step["type"]
    if kind in ("brainstorm", "draft") and step.get("authors", "everyone") == "everyone":
        columns = [c["key"] for c in step.get("columns") or []] or [None]
        fac.wait_for(
            lambda c: (
                len(staff_cards(c, key)) >= 20
                and all(any(card["column_key"] == col for card in staff_cards(c, key)) for col in columns)
            ),
            f"cards in every column of {key}",
            timeout=30,
        )
    elif kind == "cluster":
        cards = [c["id"] for c in staff_cards(fac, step["source"])]
        assert len(cards) >= 4, "the source step has cards to cluster"
        for index, title in enumerate(["Wissen im Haus", "Wissen von außen"]):
            cluster = fac.op("cluster.create", title=title)
            assert cluster["ok"], cluster
            for card_id in cards[index::2]:
                assert fac.op("card.cluster", card_id=card_id, cluster_id=cluster["result"]["cluster_id"])["ok"]
    elif kind == "dot_vote":
        fac.wait_for(
            lambda c: sum((c.state["activity"].get(key) or {}).get("totals", {}).values()) >= BOTS * 2,
            f"votes in {key}",
            timeout=30,
        )
    elif kind == "consent":
        fac.wait_for(
            lambda c: (c.state["activity"].get(key) or {}).get("raters", 0) >= BOTS * 0.8,
            f"ratings in {key}",
            timeout=30,
        )
    elif kind == "poll":
        fac.wait_for(
            lambda c: (c.state["activity"].get(key) or {}).get("answers", 0) >= BOTS * 0.8,
            f"answers in {key}",
            timeout=30,
        )
    elif kind == "action_items":
        fac.wait_for(
            lambda c: len((c.state["activity"].get(key) or {}).get("items", [])) >= 1,
            f"action items in {key}",
            timeout=30,
        )


@pytest.mark.parametrize("template_key", UNITS)
def test_a_practice_session_of_every_unit_with_30_simulated_participants(practice, template_key):
    server, http = practice["server"], practice["http"]
    before = real_record(practice)
    sid = new_practice(practice, template_key)
    fac = LiveClient(server.base_url, sid, "facilitator", cookies=cookie_header(http))
    try:
        assert "Übung" in http.get(f"{server.base_url}/sessions/{sid}").text  # marked on the console
        assert fac.op("session.start")["ok"]
        answer = post(
            http,
            server.base_url,
            f"/training/sessions/{sid}/bots",
            {"count": BOTS, "temper": "lively", "seconds": "0.05"},
            page=f"/sessions/{sid}",
        )
        assert answer.status_code == 303
        fac.wait_for(lambda c: c.state["participants"] >= BOTS, f"{BOTS} simulated participants", timeout=30)
        steps = fac.state["steps"]
        for index, step in enumerate(steps):
            if index:
                assert fac.op("step.goto", step_key=step["key"])["ok"]
            run_step(fac, server, sid, step)
        capture_step = next((s for s in steps if (s.get("capture") or {}).get("field")), None)
        if capture_step is not None:  # a capture lands in the exercise measure, never in a real one
            fac.op(
                "record.capture",
                step_key=capture_step["key"],
                field_key=capture_step["capture"]["field"],
                mode="append",
            )
        assert fac.op("session.end")["ok"]
    finally:
        fac.close()

    with server.db() as db:
        ws = db.get(WorkshopSession, sid)
        budgets = {s["key"]: s["budget"] for s in ws.steps if s["type"] == "dot_vote"}
        spent = db.execute(
            select(Vote.step_key, Vote.participant_id, func.sum(Vote.count))
            .where(Vote.session_id == sid)
            .group_by(Vote.step_key, Vote.participant_id)
        ).all()
        assert all(total <= budgets[step] for step, _pid, total in spent), "nobody over budget"
        assert (not budgets) or spent, "votes were cast"
        if any(s["type"] == "consent" for s in ws.steps):
            # run_step moved on once 80 % had rated (each at least one option); a bot still rating
            # then is refused (the step is over), so that, not one rating per bot, is what is sure
            assert db.scalar(select(func.count(Rating.id)).where(Rating.session_id == sid)) >= int(BOTS * 0.8)
        assert db.get(Measure, ws.measure_id).is_exercise
        assert (
            db.scalar(
                select(func.count(Participant.id)).where(Participant.session_id == sid, Participant.simulated.is_(True))
            )
            == BOTS
        )
    assert real_record(practice) == before, "no real record changed"

    # Reset: back to the start, an op with its event; an open console gets the fresh state at once.
    fac = LiveClient(server.base_url, sid, "facilitator", cookies=cookie_header(http))
    run = fac.state["seq"]
    try:
        answer = post(
            http, server.base_url, f"/training/sessions/{sid}/reset", {"confirm": "on"}, page=f"/sessions/{sid}"
        )
        assert answer.status_code == 303
        fac.wait_for(
            lambda c: c.snapshots[-1]["seq"] > run and c.state["session"]["status"] == "ready",
            "the snapshot after the reset",
        )
        assert fac.state["participants"] == 0 and fac.state["seq"] == run + 1
        assert any(e["type"] == "session.reset" for e in fac.events)  # the screen saw the reset itself
    finally:
        fac.close()
    with server.db() as db:
        ws = db.get(WorkshopSession, sid)
        assert (ws.status, ws.current_step, ws.last_seq, ws.started_at) == ("ready", 0, run + 1, None)
        consent_options = sum(1 for s in ws.steps if s["type"] == "consent")
        last = db.scalars(select(Event).where(Event.session_id == sid).order_by(Event.seq.desc())).first()
    assert (last.seq, last.type) == (run + 1, "session.reset")  # the run stays in the log, the reset after it
    assert count(server, Vote, sid) == count(server, Rating, sid) == count(server, PollAnswer, sid) == 0
    assert count(server, ActionItem, sid) == 0
    assert count(server, Participant, sid) == 0
    # Only what a new session starts with remains (consent options are seeded cards).
    assert (count(server, Card, sid) > 0) == bool(consent_options)
    with server.db() as db:
        assert db.scalar(select(func.count(RecordRevision.id)).where(RecordRevision.source_session_id == sid)) == 0


def test_real_sessions_get_no_simulated_participants_and_cannot_be_reset(practice):
    server = practice["server"]
    with server.db() as db:
        trainer = db.scalars(select(WorkshopSession.facilitator_id)).first()
    sid, _code = server.session(trainer or 1, practice["real_measure"])
    for path in (
        f"/training/sessions/{sid}/bots",
        f"/training/sessions/{sid}/reset",
        f"/training/sessions/{sid}/delete",
    ):
        answer = post(practice["http"], server.base_url, path, {"count": 5, "confirm": "on"}, page=f"/sessions/{sid}")
        assert answer.status_code == 404, path
    assert count(server, Participant, sid) == 0


def test_bad_input_for_simulated_participants_is_named_and_changes_nothing(practice):
    server, http = practice["server"], practice["http"]
    sid = new_practice(practice, "framing")
    for data in ({"count": 0}, {"count": 201}, {"count": "viele"}, {"count": 3, "temper": "wütend"}):
        answer = post(http, server.base_url, f"/training/sessions/{sid}/bots", data, page=f"/sessions/{sid}")
        assert answer.status_code == 303
        page = http.get(f"{server.base_url}/sessions/{sid}").text
        assert "Keine simulierten Teilnehmenden" in page, data
    assert count(server, Participant, sid) == 0


def test_delete_a_practice_measure(practice):
    server, http = practice["server"], practice["http"]
    sid = new_practice(practice, "framing")
    with server.db() as db:
        mid = db.get(WorkshopSession, sid).measure_id
    answer = post(http, server.base_url, f"/training/sessions/{sid}/delete", {}, page=f"/sessions/{sid}")
    assert answer.status_code == 303
    with server.db() as db:
        assert db.get(WorkshopSession, sid) is None and db.get(Measure, mid) is None
        assert db.get(Measure, practice["real_measure"]) is not None


def test_debrief_shows_times_participation_interventions_and_notes(practice):
    server, http = practice["server"], practice["http"]
    sid = new_practice(practice, "framing")
    fac = LiveClient(server.base_url, sid, "facilitator", cookies=cookie_header(http))
    try:
        assert fac.op("session.start")["ok"]
        answer = post(
            http,
            server.base_url,
            f"/training/sessions/{sid}/bots",
            {"count": 6, "temper": "dominant", "seconds": "0.05"},
            page=f"/sessions/{sid}",
        )
        assert answer.status_code == 303
        fac.wait_for(lambda c: len(staff_cards(c, "approaches")) >= 10, "cards of a dominated room", timeout=30)
        assert fac.op("step.lock", step_key="approaches", locked=True)["ok"]
        note = post(
            http,
            server.base_url,
            f"/sessions/{sid}/notes",
            {"text": "Eine Person schreibt fast alles – ansprechen!"},
            page=f"/sessions/{sid}/debrief",
        )
        assert note.status_code == 303
        assert fac.op("session.end")["ok"]
    finally:
        fac.close()
    page = http.get(f"{server.base_url}/sessions/{sid}/debrief").text
    assert "Eine Person schreibt fast alles – ansprechen!" in page
    assert "Eingabe gesperrt: Vorhandene Ansätze" in page
    assert "Vorhandene Ansätze" in page and "Person 1" in page
    gini = float(re.search(r"Gini-Koeffizient (\d[.,]\d\d)", page).group(1).replace(",", "."))
    assert gini > 0.3, "one dominant person shows as unequal participation"
    markdown = http.get(f"{server.base_url}/sessions/{sid}/debrief.md")
    assert markdown.status_code == 200 and "## Zeitleiste" in markdown.text


def test_workshop_simulate_joins_as_real_phones(practice):
    server, http = practice["server"], practice["http"]
    sid = new_practice(practice, "framing")
    fac = LiveClient(server.base_url, sid, "facilitator", cookies=cookie_header(http))
    env = {**os.environ, "DATABASE_URL": server.database_url, "SECRET_KEY": "test-secret"}
    try:
        assert fac.op("session.start")["ok"]
        shell = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "workshop.cli",
                "simulate",
                str(sid),
                "-n",
                "5",
                "--temper",
                "lively",
                "--pace",
                "0.05",
                "--url",
                server.base_url,
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        fac.wait_for(
            lambda c: c.state["participants"] >= 5 and len(staff_cards(c, "approaches")) >= 5,
            "cards from the shell's simulated phones",
            timeout=60,
        )
        assert fac.op("session.end")["ok"]
        output, _ = shell.communicate(timeout=60)
    finally:
        fac.close()
    assert shell.returncode == 0, output
    assert "5 joined" in output
    assert count(server, Participant, sid, Participant.simulated.is_(True)) == 5


def test_workshop_simulate_refuses_a_real_session(practice):
    server = practice["server"]
    with server.db() as db:
        trainer = db.scalars(select(WorkshopSession.facilitator_id)).first()
    sid, _code = server.session(trainer or 1, practice["real_measure"])
    env = {**os.environ, "DATABASE_URL": server.database_url, "SECRET_KEY": "test-secret"}
    result = subprocess.run(
        [sys.executable, "-m", "workshop.cli", "simulate", str(sid), "-n", "2", "--url", server.base_url],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "not a practice session" in result.stderr


def without_mine(event: dict) -> dict:
    """The event as it went over the wire live: a replay adds the author's "mine" and the acting
    participant's `own_result`, which live came in the ack."""
    event = {k: v for k, v in event.items() if k != "own_result"}
    card = (event.get("payload") or {}).get("card")
    if not isinstance(card, dict):
        return event
    return {**event, "payload": {**event["payload"], "card": {k: v for k, v in card.items() if k != "mine"}}}


def comparable(snapshot: dict) -> dict:
    """What a screen draws from a snapshot (server_now and the like left out)."""
    return {
        "seq": snapshot["seq"],
        "participants": snapshot["participants"],
        "session": {k: snapshot["session"][k] for k in ("status", "current_step")},
        "cards": sorted((c["id"], c["text"], c.get("status")) for c in snapshot["cards"]),
        "captures": snapshot["captures"],
        "spotlight": snapshot["spotlight"],
    }


def test_replay_gives_each_viewer_the_start_and_the_events_it_received_live(practice):
    server, http = practice["server"], practice["http"]
    sid = new_practice(practice, "framing")
    with server.db() as db:
        code = db.get(WorkshopSession, sid).join_code
    fac = LiveClient(server.base_url, sid, "facilitator", cookies=cookie_header(http))
    projector = LiveClient(server.base_url, sid, "projector", cookies=cookie_header(http))
    from tests.live_client import join

    joined = join(server.base_url, code, "Ada")
    phone = LiveClient(server.base_url, sid, "participant", token=joined["token"])
    other = server.participant(sid, code, "Ben")
    clients = [fac, projector, phone, other]
    try:
        assert fac.op("session.start")["ok"]
        for client, text in ((phone, "Bürgeramt am Samstag"), (other, "Digitallotsen")):
            assert client.op("card.add", step_key="approaches", text=text)["ok"]
        assert fac.op("step.lock", step_key="approaches", locked=True)["ok"]
        for step in ("scope", "dependencies", "questions"):
            assert fac.op("step.goto", step_key=step)["ok"]
        card = other.op("card.add", step_key="questions", text="Wer entscheidet?")["result"]["card_id"]
        assert fac.op("step.goto", step_key="vote")["ok"]
        assert phone.op("vote.add", card_id=card)["ok"]
        last = fac.op("timer.start", step_key="vote")["seq"]
        for client in clients:
            client.wait_seq(last)
    finally:
        for client in clients:
            client.close()
    with server.db() as db:
        phone_number = [
            p.id for p in db.scalars(select(Participant).where(Participant.session_id == sid).order_by(Participant.id))
        ].index(joined["participant_id"]) + 1
    for client, query in (
        (fac, "view=console"),
        (projector, "view=projector"),
        (phone, f"view=phone&person={phone_number}"),
    ):
        data = http.get(f"{server.base_url}/sessions/{sid}/replay.json?{query}").json()
        first = client.snapshots[0]  # what the client got when it connected
        folded = copy.deepcopy(data["start"])
        for event in data["events"][: first["seq"]]:
            apply_event(folded, event)  # the same reducer as the pages (tests/live_client.py)
        assert comparable(folded) == comparable(first), query
        received = {e["seq"]: e for e in client.events}
        assert [e["seq"] for e in data["events"]] == list(range(1, last + 1))
        for event in data["events"]:
            if event["seq"] > first["seq"]:
                # The author's own card says "mine" in a replay: live, the ack's result told the phone so.
                assert without_mine(event) == without_mine(received[event["seq"]]), (query, event["seq"])
    assert "replay-scrubber" in http.get(f"{server.base_url}/sessions/{sid}/replay").text


def test_a_printable_guide_per_unit_in_both_languages(practice):
    server, http = practice["server"], practice["http"]
    page = http.get(f"{server.base_url}/training/guides").text
    for unit, title in enumerate(
        ["Rahmen setzen", "Wissen zusammenführen", "Gemeinsam formulieren", "Mandat", "Öffentlichkeitsbeteiligung"], 1
    ):
        assert f"Baustein {unit}: {title}" in page
    for label in ("Ziel", "Rollen", "Vorbereitung", "Leitfragen", "Methodische Hinweise", "Stolpersteine", "Material"):
        assert page.count(f"<dt>{label}</dt>") == 5, label
    http.get(f"{server.base_url}/lang/en?next=/training/guides")
    english = http.get(f"{server.base_url}/training/guides").text
    http.get(f"{server.base_url}/lang/de?next=/training/guides")
    assert "Unit 4: Mandate" in english and english.count("<dt>Method notes</dt>") == 5
    assert "Systemisches Konsensieren" not in english and "systemic consensing" in english
