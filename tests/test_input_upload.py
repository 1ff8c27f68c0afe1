"""An input step's image is described with its upload (issue 30, smaller points), in-process through
Flask's test client. Regression: the description field appeared only after a save refused for want
of it, so every image cost one refusal."""

from __future__ import annotations

import io

from tests.test_agenda import PNG, app, form_of, login, steps_of  # noqa: F401  (app: the fixture)
from workshop.sessions.models import SessionFile


def test_an_image_and_its_description_are_saved_in_one_go(app):  # noqa: F811
    client = login(app)
    url = f"/sessions/{app.session_id}/agenda"
    form = {**form_of(client.get(url).get_data(as_text=True)), "add_type": "input"}
    assert client.post(url, data={**form, "action": "add"}).status_code == 303
    page = client.get(url).get_data(as_text=True)
    index = len(steps_of(app)) - 1
    assert f'name="s{index}-upload-alt"' in page  # asked before anything is uploaded
    saved = client.post(
        url,
        data={
            **form_of(page),
            f"s{index}-upload": (io.BytesIO(PNG), "folie.png"),
            f"s{index}-upload-alt": "Balkendiagramm: 40 % mehr Anfragen seit 2024",
            "action": "save",
        },
        content_type="multipart/form-data",
    )
    assert saved.status_code == 303, saved.get_data(as_text=True)
    db = app.extensions["workshop.db"]()
    stored = db.query(SessionFile).filter(SessionFile.name == "folie.png").one()
    assert stored.alt_text == "Balkendiagramm: 40 % mehr Anfragen seit 2024"
    assert steps_of(app)[index]["files"] == [stored.id]
    db.close()
