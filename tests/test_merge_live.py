"""Cluster suggestions and merged cards on every screen, over a real server (issue 33): an accepted
suggestion is a cluster on the console, the projector and every phone; a merge with dots over the
per-card maximum keeps every budget exact, live and in the replay of staff, room and a participant;
the projector shows a merged card's count of variants at the back row's size; the record names the
merged cards."""

from __future__ import annotations

import copy

import pytest
import requests
from playwright.sync_api import expect

from tests.browser import PHONE, login_page
from tests.conftest import PASSWORD, running_server
from tests.live_client import apply_event, cookie_header
from tests.test_browser import browser, watch  # noqa: F401  (fixture)
from tests.test_room import _too_small_texts


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("merge")
    with running_server(f"sqlite:///{tmp / 'workshop.db'}", tmp) as running:
        running.facilitator()
        yield running


def ok(ack):
    assert ack["ok"], ack
    return ack


def settle(clients, ack):
    for client in clients:
        client.wait_seq(ack["seq"])


def clusters(client, step_key="clusters") -> dict[str, set[int]]:
    """Cluster title -> the ids of the cards this client sees in it."""
    found = client.state["activity"].get(step_key, {}).get("clusters", [])
    return {c["title"]: {card["id"] for card in client.state["cards"] if card["cluster_id"] == c["id"]} for c in found}


KNOWLEDGE = [
    "Radwege an der Hauptstraße sind zu schmal",
    "Sichere Radwege zur Schule fehlen",
    "Radwege enden an jeder Kreuzung",
    "Das Bürgerbüro hat zu kurze Öffnungszeiten",
    "Öffnungszeiten im Bürgerbüro am Samstag",
    "Mehr Bänke im Stadtpark",
    "Mehr Bänke im Stadtpark!",
]


def test_an_accepted_suggestion_is_a_cluster_on_the_console_the_projector_and_every_phone(server, browser):
    base, problems = server.base_url, []
    sid, code = server.session(1, server.measure(), template_key="knowledge_merge")
    http = server.login()
    console = server.facilitator_client(sid, http)
    projector = server.facilitator_client(sid, http, role="projector")
    people = [server.participant(sid, code, name) for name in ("Kim", "Lou", "")]
    # the same screens as pages: the projector on the room's PC and one phone
    staff_page = login_page(browser, base, "moderation@example.org", PASSWORD, viewport={"width": 1920, "height": 1080})
    projector_page = watch(staff_page, base, problems)
    projector_page.goto(f"{base}/sessions/{sid}/projector")
    phone_page = watch(browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page(), base, problems)
    phone_page.goto(f"{base}/j/{code}")
    phone_page.click("button[type=submit]")
    expect(phone_page.locator("#conn")).to_have_text("verbunden")
    screens = [console, projector, *people]
    try:
        ok(console.op("session.start"))
        ids = [
            ok(people[n % 3].op("card.add", step_key="knowledge", text=text))["result"]["card_id"]
            for n, text in enumerate(KNOWLEDGE)
        ]
        ok(console.op("step.reveal", step_key="knowledge"))
        settle(screens, ok(console.op("step.goto", step_key="clusters")))

        answer = http.get(f"{base}/sessions/{sid}/suggestions", params={"step_key": "clusters"}).json()
        assert answer["ok"], answer
        bike = next(s for s in answer["suggestions"] if s["kind"] == "cluster" and set(s["card_ids"]) >= set(ids[:3]))
        assert "radweg" in " ".join(bike["words"]).lower()
        bench = next(s for s in answer["suggestions"] if s["kind"] == "duplicates")
        assert set(bench["card_ids"]) == {ids[5], ids[6]}

        accepted = ok(console.op("cluster.accept_suggestion", card_ids=bike["card_ids"], title="Radwege"))
        merged = ok(console.op("card.merge", card_ids=bench["card_ids"]))
        settle(screens, merged)
        for screen in screens:  # the cluster with its cards, on every screen's state
            assert clusters(screen) == {"Radwege": set(bike["card_ids"])}, screen.role
            kept = next(c for c in screen.state["cards"] if c["id"] == ids[5])
            assert [v["id"] for v in kept["variants"]] == [ids[6]]
            assert ids[6] not in {c["id"] for c in screen.state["cards"]}
        for screen in screens:  # and after a reload (the snapshot agrees with the events)
            fresh = copy.deepcopy(screen.state)
            screen.close()
            screen.connect()
            assert clusters(screen) == clusters(type("C", (), {"state": fresh})), screen.role
        assert accepted["result"]["cluster_id"]

        # The pages draw it: the projector's group and the phone's board, the merged card with its count.
        group = projector_page.locator("section.cluster", has_text="Radwege")
        expect(group.locator("li.card")).to_have_count(len(bike["card_ids"]))
        expect(phone_page.locator("section.cluster", has_text="Radwege").locator("li.card")).to_have_count(
            len(bike["card_ids"])
        )
        badge = projector_page.locator(f'li.card[data-card-id="{ids[5]}"] .merged-count')
        expect(badge).to_have_text("+1 zusammengeführt")
        assert badge.get_attribute("title") == "Mehr Bänke im Stadtpark!"
        expect(projector_page.locator(f'li.card[data-card-id="{ids[6]}"]')).to_have_count(0)
        assert _too_small_texts(projector_page) == []  # readable from the back row (8 m)
        expect(phone_page.locator(f'li.card[data-card-id="{ids[5]}"] .merged-count')).to_have_text("+1 zusammengeführt")
        assert problems == []
    finally:
        for screen in screens:
            screen.close()
        phone_page.context.close()
        staff_page.context.close()


QUESTIONS = ["Wer entscheidet am Ende?", "Wer entscheidet zum Schluss?", "Woher kommt das Geld?"]


def fold(replay: dict) -> dict:
    """What a replayed page shows at the end: its start with every event applied (live.js reducers)."""
    state = copy.deepcopy(replay["start"])
    for event in replay["events"]:
        apply_event(state, event)
    return state


def dots(state: dict, step_key: str = "vote") -> tuple[dict[int, int], int | None]:
    activity = state["activity"].get(step_key, {})
    return {int(k): v for k, v in activity.get("mine", {}).items() if v}, activity.get("remaining")


def test_a_merge_over_the_per_card_maximum_keeps_budgets_exact_live_and_in_every_replay(server):
    """framing's vote: budget 5, at most 3 per card. Kim's 2 + 2 on two cards become 3 on the kept
    one (one dot back to spend), Lou's 1 stays 1; the totals and each budget are the same live, in a
    fresh snapshot and in the replay of the console, the projector and Kim's phone."""
    sid, code = server.session(1, server.measure())
    http = server.login()
    console = server.facilitator_client(sid, http)
    projector = server.facilitator_client(sid, http, role="projector")
    kim, lou = server.participant(sid, code, "Kim"), server.participant(sid, code, "Lou")
    screens = [console, projector, kim, lou]
    try:
        ok(console.op("session.start"))
        ok(console.op("step.goto", step_key="questions"))
        x, y, z = (ok(kim.op("card.add", step_key="questions", text=t))["result"]["card_id"] for t in QUESTIONS)
        ok(console.op("step.goto", step_key="vote"))
        last = None
        for voter, card in ((kim, x), (kim, x), (kim, y), (kim, y), (lou, y)):
            last = ok(voter.op("vote.add", card_id=card))
        assert last["result"]["remaining"] == 4  # Lou's
        merged = ok(console.op("card.merge", card_ids=[x, y]))
        settle(screens, merged)
        for screen in (console, projector, kim, lou):  # kim 3 (not 4) + lou 1
            assert screen.totals("vote") == {x: 4}, screen.role
        # the dot over the maximum is back in Kim's budget: she spends it, then has none left
        assert ok(kim.op("vote.add", card_id=z))["result"]["remaining"] == 1
        assert ok(kim.op("vote.add", card_id=z))["result"]["remaining"] == 0
        assert kim.op("vote.add", card_id=x)["error"]["code"] == "budget_exhausted"
        ok(console.op("record.capture", step_key="vote"))
        settle(screens, ok(console.op("step.goto", step_key="summary")))

        kim.close()
        kim.connect()  # a fresh snapshot: Kim's dots and what is left
        assert dots(kim.state) == ({x: 3, z: 2}, 0)
        lou.close()
        lou.connect()
        assert dots(lou.state) == ({x: 1}, 4)

        cookies = {"Cookie": cookie_header(http)}
        replays = {
            view: requests.get(
                f"{server.base_url}/sessions/{sid}/replay.json", params={"view": view, "person": 1}, headers=cookies
            ).json()
            for view in ("console", "projector", "phone")
        }
        for view, replay in replays.items():
            state = fold(replay)
            assert {int(k): v for k, v in state["activity"]["vote"]["totals"].items() if v} == {x: 4, z: 2}, view
            assert [c["id"] for c in state["cards"] if c["step_key"] == "questions"] == [x, z], view
            assert [v["id"] for v in next(c for c in state["cards"] if c["id"] == x)["variants"]] == [y], view
        assert dots(fold(replays["phone"])) == ({x: 3, z: 2}, 0)  # Person 1 is Kim: her dots, exactly
        assert "Lou" not in str(replays["projector"]["events"][-3:])

        # The record names the merged card the line came from.
        page = http.get(f"{server.base_url}/measures/{kim.state['session']['measure']['id']}").text
        assert "zusammengeführt mit „Wer entscheidet zum Schluss?“" in page
    finally:
        for screen in screens:
            screen.close()
