"""A facilitator adapts a copy of a template in the app (no YAML) and runs a session from it."""

from __future__ import annotations

import re

from sqlalchemy import select

from tests.forms import form_of
from tests.live_client import csrf_token
from workshop.sessions.models import CustomTemplate


def editor_form(http, url, page=None, **changes):
    """The format editor's form (the step editor of agendas too) as the browser sends it."""
    form = {**form_of(page if page is not None else http.get(url).text), "title": "Rahmen setzen kompakt"}
    form["csrf_token"] = csrf_token(http, url)
    form.update(changes)
    return form


def test_adapt_a_copy_and_run_it(server):
    fid = server.facilitator()
    mid = server.measure()
    http = server.login()
    base = server.base_url
    url = f"{base}/templates/framing/adapt"
    assert "Kopie anpassen" in http.get(f"{base}/templates").text

    # Sentences in the user's language naming the step and what to change (issue 13), not the
    # template checker's English ("step 5 'vote': budget: Must be greater than or equal to 1").
    bad = http.post(url, data=editor_form(http, url, **{"s4-budget": "0", "action": "save"}))
    assert (
        bad.status_code == 400 and "Schritt 5: „Punkte pro Person“: „0“ ist keine ganze Zahl von 1 bis 50." in bad.text
    )
    # Removing the step a vote takes its cards from: the editor's button, and the vote is named.
    removed = http.post(url, data=editor_form(http, url, action="remove-3"))
    assert removed.status_code == 200 and "noch nicht gespeichert" in removed.text
    orphan = http.post(url, data=editor_form(http, url, removed.text, action="save"))
    assert (
        orphan.status_code == 400
        and "Schritt 4: „Quelle (ein früherer Schritt)“: wählen Sie einen früheren Schritt" in orphan.text
    )
    nine = "\n".join(f"Spalte {n}" for n in range(9))  # a title alone is a column; at most 8
    columns = http.post(url, data=editor_form(http, url, **{"s1-columns": nine, "action": "save"}))
    assert columns.status_code == 400 and "höchstens 8 Spalten, es sind 9." in columns.text
    # A column mapped to a field the record does not have, or to the status: named in German too.
    no_field = http.post(url, data=editor_form(http, url, **{"s1-columns": "in [gibtsnicht]: Drin", "action": "save"}))
    assert no_field.status_code == 400 and "Schritt 2:" in no_field.text and "gibtsnicht" in no_field.text
    status = http.post(url, data=editor_form(http, url, **{"s1-columns": "in [status]: Drin", "action": "save"}))
    assert status.status_code == 400 and "übernimmt nichts aus Beiträgen" in status.text
    texts = bad.text + orphan.text + columns.text + no_field.text + status.text
    assert not any(
        word in texts for word in ("Must be", "is not an earlier", "Length", "the record has no", "captured")
    )
    with server.db() as db:  # nothing was stored
        assert not db.scalars(select(CustomTemplate).where(CustomTemplate.facilitator_id == fid)).all()

    # Adapted with the editor's buttons: a step dropped, two moved, texts and numbers changed.
    page = http.post(url, data=editor_form(http, url, action="remove-2")).text  # no dependencies step
    page = http.post(url, data=editor_form(http, url, page, action="up-1")).text  # scope first, then approaches
    saved = http.post(
        url,
        data=editor_form(
            http,
            url,
            page,
            **{
                "s0-columns": "in: Drin\nout: Draußen\nlater: Später",
                "s0-prompt": "Was gehört dazu?",
                "s3-budget": "3",
                "s3-max_per_card": "1",
                "s3-timebox_minutes": "4",
                "action": "save",
            },
        ),
    )
    assert saved.status_code == 200 and "gespeichert" in saved.text
    custom_id = re.search(r"/templates/custom/(\d+)", saved.url).group(1)

    token = csrf_token(http, f"{base}/measures/{mid}")
    assert f'value="custom-{custom_id}"' in http.get(f"{base}/measures/{mid}").text
    console = http.post(
        f"{base}/measures/{mid}/sessions", data={"csrf_token": token, "template_key": f"custom-{custom_id}"}
    )
    assert console.status_code == 200
    sid = int(re.search(r"/sessions/(\d+)$", console.url).group(1))
    fac = server.facilitator_client(sid, http)
    try:
        steps = fac.state["steps"]
        assert [s["key"] for s in steps] == ["scope", "approaches", "questions", "vote", "summary"]
        assert [c["title"]["de"] for c in steps[0]["columns"]] == ["Drin", "Draußen", "Später"]
        assert steps[0]["prompt"]["de"] == "Was gehört dazu?"
        assert steps[0]["prompt"]["en"]  # the English text stays as it was
        assert (steps[3]["budget"], steps[3]["max_per_card"], steps[3]["timebox_minutes"]) == (3, 1, 4)
    finally:
        fac.close()

    # The library is shared with the measure's team: a co-facilitator on it may open and use the copy.
    other = server.facilitator("other@example.org", "Andere")
    server.member(mid, other, "co_facilitator")  # on the measure's team, to create a session there
    other_http = server.login("other@example.org")
    assert other_http.get(f"{base}/templates/custom/{custom_id}").status_code == 200
    token = csrf_token(other_http, f"{base}/measures/{mid}")
    used = other_http.post(
        f"{base}/measures/{mid}/sessions", data={"csrf_token": token, "template_key": f"custom-{custom_id}"}
    )
    assert used.status_code == 200 and re.search(r"/sessions/\d+$", used.url)

    # Someone outside the team neither sees the copy nor uses it, not even on a measure of their own.
    outsider = server.facilitator("dritte@example.org", "Dritte")
    own = server.measure("Eigene Maßnahme", owner=outsider)
    outsider_http = server.login("dritte@example.org")
    assert "Rahmen setzen kompakt" not in outsider_http.get(f"{base}/templates").text
    assert outsider_http.get(f"{base}/templates/custom/{custom_id}").status_code == 404
    assert f'value="custom-{custom_id}"' not in outsider_http.get(f"{base}/measures/{own}").text
    token = csrf_token(outsider_http, f"{base}/measures/{own}")
    refused = outsider_http.post(
        f"{base}/measures/{own}/sessions", data={"csrf_token": token, "template_key": f"custom-{custom_id}"}
    )
    assert not re.search(r"/sessions/\d+$", refused.url)
    # …nor shares a copy of their own with a team they are not on.
    url = f"{base}/templates/framing/adapt"
    assert outsider_http.post(url, data=editor_form(outsider_http, url, team=str(mid))).status_code == 404
