"""A whole framing workshop through real Socket.IO clients: a facilitator and three participants."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from workshop.measures.models import Measure, RecordRevision
from workshop.measures.record import current_values


def everyone_at(clients, seq):
    for client in clients:
        client.wait_seq(seq)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def database_kind(request):
    return request.param


def test_a_whole_framing_workshop(framing):
    server, sid, code = framing["server"], framing["session_id"], framing["code"]
    fac = framing["facilitator"]
    alex = server.participant(sid, code, "Alex", named_in_protocol=True)  # agreed to be named in the protocol
    p2 = server.participant(sid, code)
    p3 = server.participant(sid, code)
    people = [alex, p2, p3]
    framing["clients"].extend(people)
    everyone = [fac, *people]

    fac.wait_for(lambda c: c.state["participants"] == 3, "three participants")
    early = alex.op("card.add", step_key="approaches", text="zu früh")
    assert early["ok"] is False and early["error"]["code"] == "session_not_started"

    started = fac.op("session.start")
    assert started["ok"] and started["seq"] == 4  # three joins, then the start
    everyone_at(everyone, started["seq"])
    assert all(c.state["session"]["status"] == "live" for c in everyone)
    assert all(c.current_step_key() == "approaches" for c in everyone)

    # Step 1: existing approaches — add, edit, delete; everyone sees each change.
    a1 = alex.op("card.add", step_key="approaches", text="CityLAB Service-Agent:innen-Schulung")
    a2 = p2.op("card.add", step_key="approaches", text="Leitlinien Bürgerbeteiligung")
    a3 = p3.op("card.add", step_key="approaches", text="Tippfehler-Karte")
    assert a1["ok"] and a2["ok"] and a3["ok"]
    assert [a1["seq"], a2["seq"], a3["seq"]] == [5, 6, 7]  # gapless, in commit order
    edited = p3.op("card.edit", card_id=a3["result"]["card_id"], text="Verwaltungsakademie: Moderationskurse")
    deleted = p2.op("card.delete", card_id=a2["result"]["card_id"])
    assert edited["ok"] and deleted["ok"]
    everyone_at(everyone, deleted["seq"])
    for client in everyone:
        assert client.card_texts("approaches") == [
            "CityLAB Service-Agent:innen-Schulung",
            "Verwaltungsakademie: Moderationskurse",
        ]
    named = [c for c in fac.cards("approaches") if c["text"].startswith("CityLAB")][0]
    assert named["author"] == "Alex"
    anonymous = [c for c in fac.cards("approaches") if c["text"].startswith("Verwaltungsakademie")][0]
    assert anonymous["author"] is None  # anonymous stays anonymous
    assert "participant_id" not in str(alex.events)  # nobody is told who wrote what

    # Step 2: scope, two columns.
    moved = fac.op("step.goto", step_key="scope")
    everyone_at(everyone, moved["seq"])
    assert all(c.current_step_key() == "scope" for c in everyone)
    assert alex.op("card.add", step_key="scope", column_key="in", text="Beratung der Fachverwaltungen")["ok"]
    assert p3.op("card.add", step_key="scope", column_key="out", text="Externe Moderation einkaufen")["ok"]
    stale = p2.op("card.add", step_key="approaches", text="noch eine alte Idee")
    assert stale["error"]["code"] == "step_not_active"

    # Step 3: central questions.
    moved = fac.op("step.goto", step_key="questions")
    q = {}
    for client, text in [
        (alex, "Wer trägt die Anlaufstelle?"),
        (p2, "Wie messen wir Wirkung?"),
        (p3, "Wie gewinnen wir Freiwillige?"),
        (alex, "Was kostet das?"),
    ]:
        ack = client.op("card.add", step_key="questions", text=text)
        assert ack["ok"], ack
        q[text] = ack["result"]["card_id"]

    # Step 4: dot vote (budget 5, at most 3 per card).
    moved = fac.op("step.goto", step_key="vote")
    everyone_at(everyone, moved["seq"])
    wer, wirkung, freiwillige, kosten = q.values()
    ballots = {alex: [wer, wer, wer, wirkung, wirkung], p2: [wer, wer, freiwillige], p3: [wirkung, kosten]}
    last = None
    for client, cards in ballots.items():
        for card_id in cards:
            last = client.op("vote.add", card_id=card_id)
            assert last["ok"], last
    assert last["result"]["remaining"] == 3  # p3 spent 2 of 5
    everyone_at(everyone, last["seq"])
    expected = {wer: 5, wirkung: 3, freiwillige: 1, kosten: 1}
    for client in everyone:
        assert client.totals("vote") == expected

    # Capture: top-voted questions and the scope go into the record, with provenance.
    with server.db() as db:
        measure = db.get(Measure, framing["measure_id"])
        from workshop.measures.record import edit_by_hand

        edit_by_hand(db, measure, "central_questions", "Alte Frage von Hand", author_id=None)
        db.commit()
    captured = fac.op("record.capture", step_key="vote", mode="replace")  # append is the default
    assert captured["ok"] and {k: captured["result"][k] for k in ("fields", "lines", "added", "changed")} == {
        "fields": ["central_questions"],
        "lines": 4,
        "added": 4,
        "changed": True,
    }
    scope = fac.op("record.capture", step_key="scope")
    assert scope["ok"] and scope["result"]["lines"] == 2
    approaches = fac.op(
        "record.capture", step_key="approaches", field_key="initial_situation", card_ids=[a1["result"]["card_id"]]
    )
    assert approaches["ok"] and approaches["result"]["lines"] == 1

    moved = fac.op("step.goto", step_key="summary")
    ended = fac.op("session.end")
    everyone_at(everyone, ended["seq"])
    assert all(c.state["session"]["status"] == "ended" for c in everyone)
    for client in everyone:  # what the summary step shows on every screen
        fields = {c["field_key"]: c["lines"] for c in client.state["captures"]}
        assert fields["central_questions"][0] == "Wer trägt die Anlaufstelle?"
        assert fields["scope"] == [
            "Gehört dazu: Beratung der Fachverwaltungen",
            "Gehört nicht dazu: Externe Moderation einkaufen",
        ]

    # The record: ranked lines, each traceable to session, step, card and votes.
    with server.db() as db:
        measure = db.get(Measure, framing["measure_id"])
        values = current_values(db, measure)
        questions = values["central_questions"]
        assert questions.value.splitlines() == [
            "Wer trägt die Anlaufstelle?",
            "Wie messen wir Wirkung?",
            "Wie gewinnen wir Freiwillige?",
            "Was kostet das?",
        ]
        first = questions.lines[0]["source"]
        assert first["session_id"] == sid and first["step_key"] == "vote"
        assert first["card_id"] == wer and first["votes"] == 5 and first["unit"] == 1
        assert [r.value for r in questions.history] == [questions.value, "Alte Frage von Hand"]
        assert values["initial_situation"].value == "CityLAB Service-Agent:innen-Schulung"

    # The record page shows the trace.
    page = framing["http"].get(f"{server.base_url}/measures/{framing['measure_id']}").text
    assert "Wer trägt die Anlaufstelle?" in page
    assert re.search(rf"Sitzung {sid}</a>\s*· Baustein 1 · Schritt „Punkte vergeben“ · Karte {wer} · 5 Punkte", page)
    assert "Alte Frage von Hand" in page  # the previous value, kept as a revision

    # The protocol, as Markdown and printable HTML.
    md = framing["http"].get(f"{server.base_url}/sessions/{sid}/protocol.md")
    assert md.status_code == 200 and "attachment" in md.headers["Content-Disposition"]
    text = md.text
    assert text.startswith("# Ergebnisprotokoll: Rahmen setzen")
    assert "| **Anlass** | Anlaufstelle Prozessbegleitung – Baustein 1: Rahmen setzen |" in text
    assert "| **Ort** | Raum 1 |" in text
    assert "| **Teilnehmende** | 3 (namentlich: Alex) |" in text
    assert "| **Moderation** | Mo Deration |" in text
    assert text.index("## TOP 1: Vorhandene Ansätze") < text.index("## TOP 5: Punkte vergeben")
    # compact (issue 30): the TOP says its contributions in a sentence, the annex has each of them
    top4 = text[text.index("## TOP 4: Zentrale Fragestellungen") : text.index("## TOP 5")]
    assert "die meisten Punkte: Wer trägt die Anlaufstelle? (5 Punkte)" in top4
    annex = text[text.index("## Anlage: Beiträge im Wortlaut") :]
    questions = annex[annex.index("### TOP 4: Zentrale Fragestellungen") :]
    assert (
        questions.index("- Wer trägt die Anlaufstelle? (5 Punkte, Alex)")
        < questions.index("- Wie messen wir Wirkung? (3 Punkte)")
        < questions.index("- Wie gewinnen wir Freiwillige? (1 Punkt)")
    )
    assert "- CityLAB Service-Agent:innen-Schulung (Alex)" in annex
    assert "Tippfehler" not in text and "Leitlinien Bürgerbeteiligung" not in text  # edited / deleted
    assert "**In den Maßnahmensteckbrief übernommen – Zentrale Fragestellungen**" in text
    assert "**Gehört nicht dazu**\n\n- Externe Moderation einkaufen" in annex
    html = framing["http"].get(f"{server.base_url}/sessions/{sid}/protocol.html")
    assert html.status_code == 200 and "<h2>TOP 5: Punkte vergeben</h2>" in html.text
    assert "Teilnehmende</th><td>3 (namentlich: Alex)" in html.text

    # Reloading any page shows the same state: a fresh connection's snapshot equals what
    # each live client built from events.
    for client in everyone:
        again = type(client)(server.base_url, sid, client.role, cookies=client.cookies, token=client.token)
        framing["clients"].append(again)
        fresh = again.state
        assert fresh["seq"] == client.state["seq"]
        assert sorted((c["id"], c["text"]) for c in fresh["cards"]) == sorted(
            (c["id"], c["text"]) for c in client.state["cards"]
        )
        assert fresh["activity"]["vote"]["totals"] == client.state["activity"]["vote"]["totals"]
        assert fresh["session"]["current_step"] == client.state["session"]["current_step"]
    alex_again = framing["clients"][-3]
    assert alex_again.state["activity"]["vote"]["mine"] == {str(wer): 3, str(wirkung): 2}
    assert {c["text"] for c in alex_again.state["cards"] if c["mine"]} == {
        "CityLAB Service-Agent:innen-Schulung",
        "Beratung der Fachverwaltungen",
        "Wer trägt die Anlaufstelle?",
        "Was kostet das?",
    }

    # Every event is in the log with a gapless seq.
    with server.db() as db:
        from workshop.live.models import Event

        seqs = db.scalars(select(Event.seq).where(Event.session_id == sid).order_by(Event.seq)).all()
        assert seqs == list(range(1, ended["seq"] + 1))
        assert db.scalar(select(RecordRevision.id).where(RecordRevision.source_session_id == sid))
