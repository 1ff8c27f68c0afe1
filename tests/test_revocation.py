"""What a logout, a revoked projector link or a removal from the team ends, ends on every process:
open consoles, projector screens and co-drafting editors close, wherever they are connected
(workshop/access/revocation.py). Two `workshop serve` processes on PostgreSQL + Redis; every
change is made through process A, every socket is connected to process B.

Before: a logout closed only the consoles on the process that handled it, never an editor on
/draft; a revoked link or a removal from the team closed nothing elsewhere."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests.conftest import _database, redis_queue_env, running_server
from tests.draft_client import DraftClient
from tests.live_client import LiveClient, cookie_header, csrf_token
from workshop.access.models import MeasureMember, SessionMember


@pytest.fixture(scope="module")
def two_servers(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("revocation")
    # A sweep every 0.3 s keeps the test short; production sweeps every 5 s (WORKSHOP_REVOCATION_SWEEP_MS).
    env = {**redis_queue_env(), "WORKSHOP_REVOCATION_SWEEP_MS": "300"}
    for database in _database("postgresql", tmp):
        with running_server(database, tmp, env, name="a") as a, running_server(database, tmp, env, name="b") as b:
            yield a, b


def closed(client) -> bool:
    return not client.sio.connected


def test_a_logout_on_one_process_closes_the_console_and_the_editor_on_the_other(two_servers):
    a, b = two_servers
    fid = a.facilitator("logout@example.org", "Lo Gout")
    mid = a.measure("Abmelden überall", owner=fid)
    sid, _code = a.session(fid, mid)
    at_b = b.login("logout@example.org")
    console = b.facilitator_client(sid, at_b)
    editor = DraftClient(b.base_url, cookie_header(at_b), mid)
    assert editor.join()["ok"]
    at_a = a.login("logout@example.org")  # the same person on another device, served by A
    try:
        token = csrf_token(at_a, f"{a.base_url}/measures")
        assert a_post(at_a, f"{a.base_url}/logout", token).status_code == 200
        console.wait_for(closed, "B closing the console after a logout at A")
        editor.wait_for(closed, "B closing the co-drafting editor after a logout at A")
    finally:
        console.close()
        editor.close()
    assert "Traceback" not in a.log() + b.log()


def test_taken_off_the_team_or_a_revoked_link_closes_their_screens_on_the_other_process(two_servers):
    a, b = two_servers
    owner = a.facilitator("chefin@example.org", "Che Fin")
    co = a.facilitator("co@example.org", "Co Moderation")
    mid = a.measure("Team wechselt", owner=owner)
    sid, _code = a.session(owner, mid)
    at_a = a.login("chefin@example.org")
    team = f"{a.base_url}/sessions/{sid}/team"
    token = csrf_token(at_a, team)
    assert a_post(at_a, team, token, email="co@example.org", role="co_facilitator").status_code == 200
    a.member(mid, co, "editor")

    co_at_b = b.login("co@example.org")
    co_console = b.facilitator_client(sid, co_at_b)
    co_editor = DraftClient(b.base_url, cookie_header(co_at_b), mid)
    assert co_editor.join()["ok"]
    # A projector link for the room's PC, opened at B.
    created = a_post(at_a, f"{a.base_url}/sessions/{sid}/projector-links", token)
    link = re.search(r'id="new-projector-link"[^>]*href="[^"]*/p/([^"]+)"', created.text)
    assert link, "the team page shows the new link once"
    screen = LiveClient(b.base_url, sid, "projector", token=link.group(1))
    owner_at_b = b.facilitator_client(sid, b.login("chefin@example.org"))
    try:
        # Off the measure's team: the editor closes (the console stays: still on the session's team).
        member = member_id(a, MeasureMember, co)
        assert a_post(at_a, f"{a.base_url}/measures/{mid}/team/{member}/remove", token).status_code == 200
        co_editor.wait_for(closed, "B closing the editor of someone taken off the measure's team at A")
        # Off the session's team too: now the console of that session closes.
        member = member_id(a, SessionMember, co)
        assert a_post(at_a, f"{team}/{member}/remove", token).status_code == 200
        co_console.wait_for(closed, "B closing the console of someone taken off the session's team at A")
        # The revoked link: the room's PC at B goes dark.
        revoke = re.search(rf'action="(/sessions/{sid}/projector-links/\d+/revoke)"', at_a.get(team).text).group(1)
        assert a_post(at_a, f"{a.base_url}{revoke}", token).status_code == 200
        screen.wait_for(closed, "B closing the projector screen of a link revoked at A")
        assert owner_at_b.sio.connected  # nobody else is closed
    finally:
        for client in (co_console, co_editor, screen, owner_at_b):
            client.close()
    assert "Traceback" not in a.log() + b.log()


def member_id(server, model, facilitator_id: int) -> int:
    with server.db() as db:
        return db.scalar(select(model.id).where(model.facilitator_id == facilitator_id))


def a_post(http, url, token, **form):
    return http.post(url, data={"csrf_token": token, **form})
