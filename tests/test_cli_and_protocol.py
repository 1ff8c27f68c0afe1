"""The `workshop` command, and the protocol's handling of hostile card text."""

from __future__ import annotations

import subprocess
import sys

from sqlalchemy import select

from tests.live_client import login
from workshop.access.models import MeasureMember
from workshop.accounts.models import Facilitator
from workshop.demo import DEMO_EMAIL
from workshop.measures.models import Measure
from workshop.measures.record import current_values


def run_cli(args, database_url, input_text=None):
    import os

    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "test-secret"}
    return subprocess.run(
        [sys.executable, "-m", "workshop.cli", *args],
        input=input_text,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


def test_create_facilitator_asks_for_the_password(server):
    result = run_cli(
        ["create-facilitator", "--email", "Neu@Example.org", "--name", "Neu"],
        server.database_url,
        input_text="ein langes Passwort\nein langes Passwort\n",
    )
    assert result.returncode == 0, result.stderr
    assert "ein langes Passwort" not in result.stdout
    with server.db() as db:
        user = db.scalars(select(Facilitator).where(Facilitator.email == "neu@example.org")).one()
        assert user.check_password("ein langes Passwort") and user.password_hash.startswith("scrypt:")
    short = run_cli(
        ["create-facilitator", "--email", "b@example.org", "--name", "B"],
        server.database_url,
        input_text="kurz\nkurz\n",
    )
    assert short.returncode != 0 and "at least 10 characters" in short.stderr
    http = login(server.base_url, "neu@example.org", "ein langes Passwort")
    assert http.get(f"{server.base_url}/measures").status_code == 200


def test_demo_data_from_the_seeds(server):
    first = run_cli(["demo"], server.database_url)
    assert first.returncode == 0 and "Demo data created" in first.stdout
    again = run_cli(["demo"], server.database_url)
    assert "already there" in again.stdout
    with server.db() as db:
        berlin = db.scalars(select(Measure).where(Measure.reference_number == "2022-14222")).one()
        values = current_values(db, berlin)
        assert "Anlaufstelle" in values["short_description"].value
        assert "CityLAB Berlin" in values["actors"].value.splitlines()
        aachen = db.scalars(select(Measure).where(Measure.title == "Initiativen einbinden")).one()
        assert "Aktionsfeld A" in current_values(db, aachen)["action_field"].value
        demo_id = db.scalar(select(Facilitator.id).where(Facilitator.email == DEMO_EMAIL))
        assert demo_id
        # the demo data has an owner: the demo facilitator owns every measure (the two from the seeds and
        # the one in implementation whose monitoring the demo fills)
        owned = db.scalars(
            select(MeasureMember.measure_id).where(
                MeasureMember.facilitator_id == demo_id, MeasureMember.role == "owner"
            )
        ).all()
        assert sorted(owned) == sorted(db.scalars(select(Measure.id)).all())
        assert {berlin.id, aachen.id} <= set(owned)


def test_measure_member_command_puts_someone_on_a_team(server):
    server.facilitator("team@example.org", "Team")
    with server.db() as db:  # a measure nobody worked on: no team
        measure = Measure(title="Ohne Team")
        db.add(measure)
        db.commit()
        mid = measure.id
    ok = run_cli(
        ["measure-member", str(mid), "--email", server.email("Team@Example.org"), "--role", "editor"],
        server.database_url,
    )
    assert ok.returncode == 0, ok.stderr
    with server.db() as db:
        assert db.scalars(select(MeasureMember.role).where(MeasureMember.measure_id == mid)).all() == ["editor"]
    bad = run_cli(
        ["measure-member", str(mid), "--email", server.email("team@example.org"), "--role", "admin"],
        server.database_url,
    )
    assert bad.returncode != 0 and "admin" in bad.stderr
    nobody = run_cli(
        ["measure-member", str(mid), "--email", "nobody@example.org", "--role", "owner"], server.database_url
    )
    assert nobody.returncode != 0 and "no account" in nobody.stderr


def test_export_protocol_command_escapes_card_text(framing, tmp_path):
    server, sid, code = framing["server"], framing["session_id"], framing["code"]
    fac = framing["facilitator"]
    evil = server.participant(sid, code, "<b>Eve</b>", named_in_protocol=True)
    framing["clients"].append(evil)
    fac.op("session.start")
    text = "<script>alert(1)</script> **fett** | Tabelle"
    assert evil.op("card.add", step_key="approaches", text=text)["ok"]
    md_path, html_path = tmp_path / "p.md", tmp_path / "p.html"
    assert (
        run_cli(["export-protocol", str(sid), "--format", "md", "-o", str(md_path)], server.database_url).returncode
        == 0
    )
    result = run_cli(["export-protocol", str(sid), "--format", "html", "-o", str(html_path)], server.database_url)
    assert result.returncode == 0, result.stderr
    md, html = md_path.read_text(), html_path.read_text()
    assert "\\<script\\>alert(1)\\</script\\> \\*\\*fett\\*\\* \\| Tabelle" in md
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;Eve&lt;/b&gt;" in html
    missing = run_cli(["export-protocol", "9999", "-o", str(md_path)], server.database_url)
    assert missing.returncode != 0 and "no session 9999" in missing.stderr
