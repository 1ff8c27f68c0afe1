"""Where an uploaded table waits between preview and import (issue 29 finding 11): in this
instance's folder, readable by its owner only, at most three per person, removed on apply and on
cancel; another person's token opens nothing. In-process through the register's pages."""

from __future__ import annotations

import io
import re
import stat
from pathlib import Path

import pytest

from tests.test_register import FIXTURE, PASSWORD, World
from workshop.accounts.service import create_facilitator
from workshop.register import previews


@pytest.fixture
def world(tmp_path):
    world = World(tmp_path)
    world.app.config["IMPORT_PREVIEW_DIR"] = str(tmp_path / "instance" / "import-previews")
    world.folder = tmp_path / "instance" / "import-previews"
    return world


def preview(client, token, data=None) -> str:
    response = client.post(
        "/register/import",
        data={"csrf_token": token, "file": (io.BytesIO(data or FIXTURE.read_bytes()), "aachen.txt")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    return re.search(r'name="token" value="([^"]+)"', response.get_data(as_text=True)).group(1)


def test_previews_live_in_the_instance_folder_and_go_on_apply_and_cancel(world):
    """Failed before: the upload went to the system temp dir (shared by every instance on the
    host), stayed there after a cancel, and one person could leave any number of them."""
    client, csrf = world.client()
    upload = preview(client, csrf)
    kept = list(world.folder.iterdir())
    assert len(kept) == 1 and stat.S_IMODE(kept[0].stat().st_mode) == 0o600
    cancelled = client.post("/register/import", data={"csrf_token": csrf, "token": upload, "action": "cancel"})
    assert cancelled.status_code == 303 and list(world.folder.iterdir()) == [] and world.measures() == 0
    again = client.post(
        "/register/import", data={"csrf_token": csrf, "token": upload, "filename": "aachen.txt", "action": "apply"}
    )
    assert again.status_code == 303 and world.measures() == 0  # a cancelled preview cannot be applied

    upload = preview(client, csrf)
    applied = client.post(
        "/register/import", data={"csrf_token": csrf, "token": upload, "filename": "aachen.txt", "action": "apply"}
    )
    assert applied.status_code == 303 and world.measures() == 4 and list(world.folder.iterdir()) == []


def test_at_most_three_previews_per_person_and_only_their_own(world):
    client, csrf = world.client()
    tokens = [
        preview(client, csrf, FIXTURE.read_bytes().replace(b"Initiativen", f"Initiativen {n}".encode()))
        for n in range(5)
    ]
    with world.app.test_request_context():
        assert previews.count(world.fid) == previews.MAX_PER_PERSON
        assert previews.read(world.fid, tokens[0]) is None and previews.read(world.fid, tokens[-1]) is not None
    with world.sessions() as db:
        other = create_facilitator(db, "zweite@example.org", "Zweite", PASSWORD).id
        db.commit()
    with world.app.test_request_context():
        assert previews.read(other, tokens[-1]) is None  # the token alone opens nothing
    assert all(Path(p).name.startswith(f"{world.fid}-") for p in world.folder.iterdir())
