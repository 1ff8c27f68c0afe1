"""Moderation holds after an edit (issue 29, finding 1): in a moderated step an approved card that
its author edits goes back into the moderation queue — off the phones, the projector, the
spotlight and the public page — until the facilitator approves the new text.

Real Socket.IO clients against a real server; the public page over HTTP."""

from __future__ import annotations

import json

import requests

from tests.live_client import LiveClient, cookie_header
from workshop.register.models import PublicMeasure


def test_an_edit_of_an_approved_card_goes_back_to_the_moderation_queue(server):
    fid = server.facilitator()
    mid = server.measure("Mehr Grün am Markt", "2026-7")
    with server.db() as db:
        db.add(PublicMeasure(measure_id=mid, published_by=fid))
        db.commit()
    sid, code = server.session(fid, mid, template_key="public_participation")
    http = server.login()
    staff = server.facilitator_client(sid, http)
    projector = LiveClient(server.base_url, sid, "projector", cookies=cookie_header(http))
    author, other = server.participant(sid, code), server.participant(sid, code)
    screens = (staff, projector, author, other)
    public_page = f"{server.base_url}/oeffentlich/{mid}"
    try:
        assert staff.op("session.start")["ok"]
        card = author.op("card.add", step_key="ideas", text="Mehr Bänke am Markt")["result"]["card_id"]
        assert staff.op("card.approve", card_id=card)["ok"]
        seq = staff.op("spotlight.set", card_id=card)["seq"]
        for screen in screens:
            screen.wait_seq(seq)
        assert other.card_texts("ideas") == ["Mehr Bänke am Markt"]
        assert projector.state["spotlight"]["card_id"] == card
        assert "Mehr Bänke am Markt" in requests.get(public_page).text

        edited = author.op("card.edit", card_id=card, text="Beleidigung statt Bänke")
        assert edited["ok"] and edited["result"]["card"]["status"] == "pending"
        for screen in screens:
            screen.wait_seq(edited["seq"])
        for screen in (projector, other):
            assert screen.cards("ideas") == [], "the edited card stays on the room's screens"
            assert screen.state["spotlight"] is None, "the edited card stays in the spotlight"
            assert "Beleidigung" not in json.dumps(screen.events), "the unapproved text reached the room"
        assert [(c["text"], c["status"]) for c in author.cards("ideas")] == [("Beleidigung statt Bänke", "pending")]
        assert [(c["text"], c["status"]) for c in staff.cards("ideas")] == [("Beleidigung statt Bänke", "pending")]
        page = requests.get(public_page).text
        assert "Beleidigung" not in page, "the public page shows the edit before moderation"
        assert "Mehr Bänke am Markt" not in page, "the public page shows text that was edited away"
        with LiveClient(server.base_url, sid, "projector", cookies=cookie_header(http)) as late:
            assert late.cards("ideas") == [] and late.state["spotlight"] is None
            assert "Beleidigung" not in json.dumps(late.raw("sync", {"after_seq": 0}))

        shown = staff.op("card.approve", card_id=card)
        assert shown["ok"]
        for screen in screens:
            screen.wait_seq(shown["seq"])
        assert other.card_texts("ideas") == projector.card_texts("ideas") == ["Beleidigung statt Bänke"]
        assert projector.state["spotlight"] is None, "a re-approved card does not return to the spotlight by itself"
        assert "Beleidigung statt Bänke" in requests.get(public_page).text
    finally:
        for screen in screens:
            screen.close()
