"""Every process unit run whole with real Socket.IO clients: a facilitator and five participants."""

from __future__ import annotations

import json

import pytest
import requests

from workshop.measures.models import Measure
from workshop.measures.record import current_values

NAMES = ["Alex", "", "Kim", "", "Sam"]


@pytest.fixture
def unit(server):
    """Start a session of a template with a facilitator, a projector and five participants."""
    clients = []
    fid = server.facilitator()
    mid = server.measure("Anlaufstelle Prozessbegleitung", "2022-14222")
    http = server.login()

    def start(template_key, names=NAMES):
        sid, code = server.session(fid, mid, template_key=template_key)
        fac = server.facilitator_client(sid, http)
        projector = server.facilitator_client(sid, http, role="projector")
        people = [server.participant(sid, code, name) for name in names]
        clients.extend([fac, projector, *people])
        assert fac.op("session.start")["ok"]
        return sid, fac, projector, people

    yield {"server": server, "start": start, "measure_id": mid, "http": http}
    for client in clients:
        client.close()


def ok(ack):
    assert ack["ok"], ack
    return ack


def settle(clients, ack):
    for client in clients:
        client.wait_seq(ack["seq"])


def record(server, measure_id):
    with server.db() as db:
        return {k: v.value for k, v in current_values(db, db.get(Measure, measure_id)).items()}


def received(client) -> str:
    """Everything a client was sent: snapshots and events, as one string to search."""
    return json.dumps([client.snapshots, client.events], ensure_ascii=False)


def test_unit_1_framing(unit):
    sid, fac, projector, people = unit["start"]("framing")
    everyone = [fac, projector, *people]
    for person, text in zip(people, ["Leitlinien Bürgerbeteiligung", "CityLAB-Schulungen"]):
        ok(person.op("card.add", step_key="approaches", text=text))
    ok(fac.op("step.goto", step_key="scope"))
    ok(people[2].op("card.add", step_key="scope", column_key="in", text="Beratung"))
    ok(people[3].op("card.add", step_key="scope", column_key="out", text="Externe Beratung einkaufen"))
    ok(fac.op("step.goto", step_key="dependencies"))
    ok(people[4].op("card.add", step_key="dependencies", text="Senatskanzlei: Personalhaushalt"))
    ok(fac.op("step.goto", step_key="questions"))
    q = [
        ok(p.op("card.add", step_key="questions", text=f"Frage {i}"))["result"]["card_id"] for i, p in enumerate(people)
    ]
    ok(fac.op("step.goto", step_key="vote"))
    for person in people:
        ok(person.op("vote.add", card_id=q[0]))
        ok(person.op("vote.add", card_id=q[1]))
    ok(people[0].op("vote.add", card_id=q[1]))
    for step_key in ("approaches", "scope", "dependencies", "vote"):
        ok(fac.op("record.capture", step_key=step_key))
    settle(everyone, ok(fac.op("step.goto", step_key="summary")))
    values = record(unit["server"], unit["measure_id"])
    assert values["initial_situation"].splitlines() == ["Leitlinien Bürgerbeteiligung", "CityLAB-Schulungen"]
    assert values["scope"].splitlines() == ["Gehört dazu: Beratung", "Gehört nicht dazu: Externe Beratung einkaufen"]
    assert values["risks"] == "Senatskanzlei: Personalhaushalt"
    assert values["central_questions"].splitlines() == ["Frage 1", "Frage 0"]  # 6 votes, then 5
    assert all(c.state["captures"] for c in everyone)


def test_unit_2_knowledge_merge_silent_cluster_hidden_vote(unit):
    sid, fac, projector, people = unit["start"]("knowledge_merge")
    texts = [f"Wissen von Person {i}" for i in range(5)]
    cards = [
        ok(p.op("card.add", step_key="knowledge", column_key="internal" if i % 2 else "external", text=texts[i]))[
            "result"
        ]["card_id"]
        for i, p in enumerate(people)
    ]
    last = ok(fac.op("step.lock", step_key="knowledge", locked=False))
    settle([fac, projector, *people], last)
    # Silent mode: check what was SENT, not what was drawn.
    for i, person in enumerate(people):
        sent = received(person)
        assert not any(text in sent for j, text in enumerate(texts) if j != i), f"participant {i} got another's card"
        others = person.state["redacted"]["knowledge"] - {cards[i]}
        assert len(others) == 4  # knows how many others wrote, not what
    assert not any(text in received(projector) for text in texts)
    assert all(text in received(fac) for text in texts)  # the facilitator sees everything
    again = type(people[1])(unit["server"].base_url, sid, "participant", token=people[1].token)
    assert again.card_texts("knowledge") == [texts[1]]  # after a reload: still only one's own
    assert again.cards("knowledge")[0]["mine"] is True
    again.close()

    early = ok(fac.op("record.capture", step_key="knowledge", field_key="target_groups"))  # before the reveal
    settle([projector, *people], early)
    assert not any(text in received(client) for client in [projector, *people[1:]] for text in texts[:1])
    revealed = ok(fac.op("step.reveal", step_key="knowledge"))
    settle([projector, *people], revealed)
    for client in [projector, *people]:
        assert client.card_texts("knowledge") == sorted(texts)

    ok(fac.op("step.goto", step_key="practices"))
    ok(people[0].op("card.add", step_key="practices", text="Service Agent:innen-Schulung (CityLAB Berlin)"))
    ok(fac.op("step.goto", step_key="dependencies"))
    ok(people[1].op("card.add", step_key="dependencies", text="Leitlinien Bürgerbeteiligung der SenSBW"))
    ok(fac.op("step.goto", step_key="open_questions"))
    ok(people[2].op("card.add", step_key="open_questions", text="Wer finanziert die Freistellung?"))

    ok(fac.op("step.goto", step_key="clusters"))
    organisation = ok(fac.op("cluster.create", title="Organisation"))["result"]["cluster_id"]
    people_cluster = ok(fac.op("cluster.create", title="Menschen"))["result"]["cluster_id"]
    for card_id, cluster_id in zip(cards, [organisation, organisation, people_cluster, people_cluster, None]):
        ok(fac.op("card.cluster", card_id=card_id, cluster_id=cluster_id))
    assert people[0].op("cluster.create", title="Meins")["error"]["code"] == "forbidden"
    settle(people, ok(fac.op("cluster.rename", cluster_id=people_cluster, title="Menschen und Kompetenzen")))
    assert [c["title"] for c in people[0].state["activity"]["clusters"]["clusters"]] == [
        "Organisation",
        "Menschen und Kompetenzen",
    ]

    ok(fac.op("step.goto", step_key="weigh"))
    for person in people:
        ok(person.op("vote.add", cluster_id=people_cluster))
    last = ok(people[0].op("vote.add", cluster_id=organisation))
    assert people[0].op("vote.add", card_id=cards[0])["error"]["code"] == "invalid"  # a vote on clusters
    settle([fac, projector, *people], last)
    assert fac.totals("weigh") == {people_cluster: 5, organisation: 1}
    assert all(p.totals("weigh") == {} for p in [projector, *people])  # hidden until revealed
    settle([projector, *people], ok(fac.op("step.reveal", step_key="weigh")))
    assert projector.state["activity"]["weigh"]["totals"] == {str(people_cluster): 5, str(organisation): 1}

    for step_key in ("practices", "dependencies", "open_questions", "weigh"):
        ok(fac.op("record.capture", step_key=step_key))
    values = record(unit["server"], unit["measure_id"])
    assert values["inspiring_examples"] == "Service Agent:innen-Schulung (CityLAB Berlin)"
    assert values["risks"] == "Leitlinien Bürgerbeteiligung der SenSBW"
    assert values["open_questions"] == "Wer finanziert die Freistellung?"
    assert values["initial_situation"].splitlines() == [  # a cluster captures as its title (issue 30)
        "Menschen und Kompetenzen",
        "Organisation",
    ]


def test_unit_3_co_drafting_fields_and_action_items(unit):
    sid, fac, projector, people = unit["start"]("co_drafting")
    plan = [
        ("objectives", "Verwaltung moderiert Beteiligung selbst"),
        ("ideas", "Train-the-Trainer-Programm"),
        ("ideas", "Kollegiale Beratung"),
        ("milestones", "Erste Kohorte ausgebildet"),
        ("indicators", "Anzahl begleiteter Prozesse"),
    ]
    for person, (column, text) in zip(people, plan):
        ok(person.op("card.add", step_key="draft", column_key=column, text=text))
    assert ok(fac.op("record.capture", step_key="draft"))["result"]["fields"] == [
        "objectives",
        "implementation_ideas",
        "milestones",
        "indicators",
    ]
    ok(fac.op("step.goto", step_key="team"))
    ok(people[0].op("card.add", step_key="team", column_key="team", text="Alex (SenInnDS)"))
    ok(people[1].op("card.add", step_key="team", column_key="actors", text="Verwaltungsakademie Berlin"))
    ok(fac.op("record.capture", step_key="team"))
    ok(fac.op("step.goto", step_key="next_steps"))
    item = ok(people[2].op("action.add", who="Kim", what="Kostenschätzung erstellen", due="2026-12-15"))
    ok(fac.op("action.add", who="Moderation", what="Entwurf an Leitungen senden", due=None))
    assert people[3].op("action.delete", item_id=item["result"]["item_id"])["error"]["code"] == "not_your_item"
    assert people[3].op("action.add", who="", what="x")["error"]["code"] == "invalid"
    assert people[3].op("action.add", who="x", what="y", due="morgen")["error"]["code"] == "invalid"
    ok(fac.op("record.capture", step_key="next_steps"))
    values = record(unit["server"], unit["measure_id"])
    assert values["objectives"] == "Verwaltung moderiert Beteiligung selbst"
    assert values["implementation_ideas"].splitlines() == ["Train-the-Trainer-Programm", "Kollegiale Beratung"]
    assert values["milestones"] == "Erste Kohorte ausgebildet"
    assert values["indicators"] == "Anzahl begleiteter Prozesse"
    assert values["team"] == "Alex (SenInnDS)" and values["actors"] == "Verwaltungsakademie Berlin"
    assert values["schedule"].splitlines() == [
        "Kostenschätzung erstellen – Kim – bis 15.12.2026",
        "Entwurf an Leitungen senden – Moderation",
    ]
    md = unit["http"].get(f"{unit['server'].base_url}/sessions/{sid}/protocol.md").text
    assert "| Kostenschätzung erstellen | Kim | 15.12.2026 |" in md


def test_unit_4_mandate_consent_and_fist_of_five(unit):
    sid, fac, projector, people = unit["start"]("mandate")
    ok(people[0].op("card.add", step_key="questions", text="Wie viele Stellen braucht es?"))
    ok(fac.op("record.capture", step_key="questions"))
    ok(fac.op("step.goto", step_key="consent"))
    extra = ok(fac.op("consent.option_add", text="Umsetzung ab 2028"))["result"]["card_id"]
    options = {c["text"]: c["id"] for c in fac.cards("consent")}
    assert set(options) == {
        "Umsetzung wie im Entwurf",
        "Umsetzung zunächst als Pilot in einem Bezirk",
        "Passivlösung: Es bleibt, wie es ist",
        "Umsetzung ab 2028",
    }
    full, pilot, passive = (
        options["Umsetzung wie im Entwurf"],
        options["Umsetzung zunächst als Pilot in einem Bezirk"],
        options["Passivlösung: Es bleibt, wie es ist"],
    )
    ratings = [
        {full: 2, pilot: 1, passive: 9, extra: 5},
        {full: 0, pilot: 3, passive: 10, extra: 5},
        {full: 7, pilot: 2, passive: 8, extra: 5},
        {full: 1, pilot: 1, passive: 10},  # abstains on extra
        {full: 3, pilot: 0, passive: 6, extra: 5},
    ]
    last = None
    for person, mine in zip(people, ratings):
        for card_id, value in mine.items():
            last = ok(person.op("rating.set", card_id=card_id, value=value))
    assert people[0].op("rating.set", card_id=full, value=11)["error"]["code"] == "invalid"
    assert fac.op("rating.set", card_id=full, value=3)["error"]["code"] == "forbidden"
    settle([fac, projector, *people], last)
    # Private until revealed: no rating value was sent to anybody, the facilitator included.
    for client in [fac, projector, *people]:
        assert all(
            e["type"] != "rating.changed" or set(e["payload"]) == {"step_key", "raters", "ratings"}
            for e in client.events
        )
        assert "result" not in client.state["activity"]["consent"]
    assert fac.state["activity"]["consent"]["raters"] == 5
    settle([fac, projector, *people], ok(fac.op("step.reveal", step_key="consent")))
    result = projector.state["activity"]["consent"]["result"]
    assert result["winner"] == pilot  # total 7 — lowest resistance
    by_id = {o["card_id"]: o for o in result["options"]}
    assert by_id[pilot]["total"] == 7 and by_id[full]["total"] == 13 and by_id[passive]["total"] == 43
    assert by_id[extra]["abstentions"] == 1 and by_id[extra]["mean"] == 5.0
    assert sorted(map(sorted, ([v for v in row if v is not None] for row in result["matrix"]["rows"]))) == sorted(
        sorted(r.values()) for r in ratings
    )
    assert people[0].op("rating.set", card_id=full, value=0)["error"]["code"] == "already_revealed"
    ok(fac.op("record.capture", step_key="consent"))

    ok(fac.op("step.goto", step_key="fist"))
    for person, fingers in zip(people, [5, 4, 4, 3, 5]):
        ok(person.op("poll.answer", choices=[fingers]))
    assert people[0].op("poll.answer", choices=[1, 2])["error"]["code"] == "invalid"  # single choice
    assert people[0].op("poll.answer", choices=[6])["error"]["code"] == "invalid"
    assert "counts" not in people[1].state["activity"]["fist"]
    settle(people, ok(fac.op("step.reveal", step_key="fist")))
    assert people[1].state["activity"]["fist"]["counts"] == [0, 0, 0, 1, 2, 2]
    ok(fac.op("record.capture", step_key="fist"))

    ok(fac.op("step.goto", step_key="decision"))
    assert people[0].op("card.add", step_key="decision", column_key="mandate", text="x")["error"]["code"] == "forbidden"
    ok(fac.op("card.add", step_key="decision", column_key="mandate", text="Staatssekretärsrunde, 12.12.2026"))
    vague = ok(fac.op("card.add", step_key="decision", column_key="resources", text="viel Geld"))
    refused = fac.op("record.capture", step_key="decision")["error"]  # the money field's own check
    assert refused["code"] == "invalid_value" and "Betrag in Euro" in refused["texts"]["de"]
    ok(fac.op("card.delete", card_id=vague["result"]["card_id"]))
    ok(fac.op("card.add", step_key="decision", column_key="resources", text="2 VZÄ, 150.000 € für 2027"))
    ok(fac.op("record.capture", step_key="decision"))
    values = record(unit["server"], unit["measure_id"])
    assert values["mandate"] == "Staatssekretärsrunde, 12.12.2026"
    assert values["finances"] == "2 VZÄ, 150.000 € für 2027"
    assert values["status"] == "Idee"  # the status changes through the status flow only
    comments = values["mandate_discussion"].splitlines()
    assert comments[0] == "Wie viele Stellen braucht es?"
    assert comments[1].startswith(
        "Umsetzung zunächst als Pilot in einem Bezirk (Widerstand 7, Ø 1,4, 0 Enthaltungen) – geringster Widerstand"
    )
    assert any(line.startswith("Faust der Fünf: ") and "Ø" in line for line in comments)
    assert not any(line.split(":")[0].isdigit() for line in comments)  # no bare "5: 2" lines


def test_unit_5_public_participation_moderation_queue(unit):
    sid, fac, projector, people = unit["start"]("public_participation", names=["Kim", "", "", "", ""])
    assert people[0].state["me"]["name"] is None  # no names asked, none stored
    good = ok(people[0].op("card.add", step_key="ideas", text="Mehr Sitzbänke am Markt"))
    bad = ok(people[1].op("card.add", step_key="ideas", text="BELEIDIGUNG"))
    pending = ok(people[2].op("card.add", step_key="ideas", text="Noch nicht freigegeben"))
    assert good["result"]["card"]["status"] == "pending"
    settle([fac, projector, *people], pending)
    assert {c["text"] for c in fac.cards("ideas")} == {
        "Mehr Sitzbänke am Markt",
        "BELEIDIGUNG",
        "Noch nicht freigegeben",
    }
    approved = ok(fac.op("card.approve", card_id=good["result"]["card_id"]))
    rejected = ok(fac.op("card.hide", card_id=bad["result"]["card_id"], hidden=True))
    settle([projector, *people], rejected)
    for client in [projector, *people[3:]]:
        assert client.card_texts("ideas") == ["Mehr Sitzbänke am Markt"]
    # An unapproved card never reaches another participant or the projector.
    for client in [projector, people[0], people[3], people[4]]:
        sent = received(client)
        assert "BELEIDIGUNG" not in sent and "Noch nicht freigegeben" not in sent
    assert pending["result"]["card"]["status"] == "pending"  # its author has it, marked as waiting
    assert people[2].op("card.approve", card_id=pending["result"]["card_id"])["error"]["code"] == "forbidden"
    assert fac.op("card.approve", card_id=approved["result"]["card_id"])["error"]["code"] == "not_pending"

    ok(fac.op("step.goto", step_key="priorities"))
    for person, choices in zip(people, [[0, 2], [2], [1, 2, 3], [2, 3], [0]]):
        ok(person.op("poll.answer", choices=choices))
    settle(people, ok(people[0].op("poll.answer", choices=[2])))  # changing one's answer replaces it
    assert people[4].state["activity"]["priorities"]["counts"] == [1, 1, 4, 2]
    ok(fac.op("step.goto", step_key="response"))
    ok(fac.op("card.add", step_key="response", text="Alle Hinweise gehen geprüft in den Steckbrief ein."))
    for step_key in ("ideas", "priorities", "response"):
        ok(fac.op("record.capture", step_key=step_key))
    values = record(unit["server"], unit["measure_id"])
    assert values["public_participation"].splitlines() == [
        "Mehr Sitzbänke am Markt",
        "Schnelle sichtbare Ergebnisse: 1",
        "Beteiligung auch offline: 1",
        "Barrierefreiheit: 4",
        "Transparenz über Kosten: 2",
        "Alle Hinweise gehen geprüft in den Steckbrief ein.",
    ]
    md = unit["http"].get(f"{unit['server'].base_url}/sessions/{sid}/protocol.md").text
    assert "BELEIDIGUNG" not in md and "Noch nicht freigegeben" not in md


def test_public_format_asks_no_names(unit):
    sid, fac, projector, people = unit["start"]("public_participation", names=[])
    code = fac.state["session"]["join_code"]
    page = requests.get(f"{unit['server'].base_url}/j/{code}").text
    assert "anonym teil" in page and 'name="display_name"' not in page
    requests.post(f"{unit['server'].base_url}/api/join", json={"code": code, "display_name": "Max"}).json()
    fac.wait_for(lambda c: c.state["participants"] == 1, "the join")
    assert fac.events[-1]["payload"]["name"] is None


def test_a_unit_run_again_is_traced_as_its_second_run(unit):
    for run in (1, 2):
        sid, fac, projector, people = unit["start"]("framing", names=["A"])
        ok(people[0].op("card.add", step_key="approaches", text=f"Ansatz aus Lauf {run}"))
        ok(fac.op("record.capture", step_key="approaches", mode="append"))
    with unit["server"].db() as db:
        lines = current_values(db, db.get(Measure, unit["measure_id"]))["initial_situation"].lines
    assert [(line["text"], line["source"]["run"], line["source"]["unit"]) for line in lines] == [
        ("Ansatz aus Lauf 1", 1, 1),
        ("Ansatz aus Lauf 2", 2, 1),
    ]
    page = unit["http"].get(f"{unit['server'].base_url}/measures/{unit['measure_id']}").text
    assert "Baustein 1 (2. Durchlauf)" in page
