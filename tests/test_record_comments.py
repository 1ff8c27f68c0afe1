"""Comments on a record (Kommentare in the Berlin sheet): who, when, text — added on the record
page, one after another, never overwriting each other; a mandated record takes them too."""

from __future__ import annotations

import html

from tests.live_client import csrf_token


def test_comments_are_added_on_the_record_page_with_who_and_when(server):
    server.facilitator()
    mid = server.measure("Anlaufstelle Prozessbegleitung", "2022-14222")
    http = server.login()
    base = f"{server.base_url}/measures/{mid}"
    page = http.get(base).text
    assert "Noch keine Kommentare." in page and "nicht final" in page  # the sheet's note
    for text in ("Bitte die Bezirke einbeziehen.", "Verwaltungsakademie fragen."):
        saved = http.post(f"{base}/comments", data={"csrf_token": csrf_token(http, base), "text": text})
        assert saved.status_code == 200 and "Kommentar gespeichert." in saved.text
    for step in ("draft", "mandated"):
        http.post(f"{base}/status", data={"csrf_token": csrf_token(http, base), "to_status": step})
    locked = http.post(f"{base}/comments", data={"csrf_token": csrf_token(http, base), "text": "Nach dem Mandat."})
    page = html.unescape(locked.text)
    comments = page[page.index('id="comments"') :]
    assert (
        comments.index("Bitte die Bezirke") < comments.index("Verwaltungsakademie") < comments.index("Nach dem Mandat")
    )
    assert comments.count("Mo Deration") == 3  # who
    empty = http.post(f"{base}/comments", data={"csrf_token": csrf_token(http, base), "text": "   "})
    assert "Kommentar nicht gespeichert: Der Kommentar ist leer." in html.unescape(empty.text)
    english = http.get(f"{server.base_url}/lang/en?next=/measures/{mid}")
    assert english.status_code == 200
    empty = http.post(f"{base}/comments", data={"csrf_token": csrf_token(http, base), "text": ""})
    assert "The comment is empty." in html.unescape(empty.text)
