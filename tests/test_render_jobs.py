"""Protocol files are rendered in worker processes (issue 28): a final version's PDF and DOCX
once, then from the cache; a render that runs out of time is a page that says so, in the viewer's
language, and stores nothing. In-process (the rendering itself runs in job workers)."""

from __future__ import annotations

import dataclasses

import pytest

from tests.test_protocol_documents import World, csrf, run_mandate
from workshop import jobs
from workshop.protocols import pdf

PDF_TASK = "workshop.protocols.pdf:write_pdf"
DOCX_TASK = "workshop.protocols.docx:write_docx"


@pytest.fixture
def world(database_url, tmp_path, monkeypatch):
    monkeypatch.setenv("WORKSHOP_RENDER_CACHE_DIR", str(tmp_path / "renders"))
    return World(database_url)


def renders(target: str) -> int:
    return jobs.stats.done.get(target, 0)


def test_a_final_version_is_rendered_once_and_then_served_from_the_cache(world, tmp_path):
    """Failed before: every download of a final version rendered it again (14-21 s of CPU for
    500 cards, and nothing limited how many at once)."""
    sid = run_mandate(world)["sid"]
    client = world.client()
    assert (
        client.post(
            f"/sessions/{sid}/protocol/finalize", data={"csrf_token": csrf(client, f"/sessions/{sid}/protocol")}
        ).status_code
        == 302
    )
    before_pdf, before_docx = renders(PDF_TASK), renders(DOCX_TASK)
    first = client.get(f"/sessions/{sid}/protocol.pdf")
    second = client.get(f"/sessions/{sid}/protocol.pdf?version=1")
    assert first.status_code == second.status_code == 200 and first.data.startswith(b"%PDF")
    assert first.data == second.data
    assert renders(PDF_TASK) == before_pdf + 1
    docx = [client.get(f"/sessions/{sid}/protocol.docx").data for _ in range(2)]
    assert docx[0] == docx[1] and renders(DOCX_TASK) == before_docx + 1
    files = sorted(p.name for p in (tmp_path / "renders").iterdir())
    assert [name.split("-")[:4] for name in files] == [[str(sid), "v1", "de", "docx"], [str(sid), "v1", "de", "pdf"]]
    assert all((tmp_path / "renders" / name).stat().st_mode & 0o077 == 0 for name in files)  # names inside


def test_a_draft_is_rendered_anew_each_time(world):
    sid = run_mandate(world)["sid"]
    client = world.client()
    before = renders(PDF_TASK)
    for _ in range(2):
        assert client.get(f"/sessions/{sid}/protocol.pdf").status_code == 200
    assert renders(PDF_TASK) == before + 2


@pytest.mark.parametrize(("lang", "words"), [("de", "länger als"), ("en", "longer than")])
def test_a_render_out_of_time_is_a_page_saying_so_and_nothing_is_kept(world, monkeypatch, tmp_path, lang, words):
    sid = run_mandate(world)["sid"]
    client = world.client()
    client.post(f"/sessions/{sid}/protocol/finalize", data={"csrf_token": csrf(client, f"/sessions/{sid}/protocol")})
    spec = jobs.spec_of(pdf.write_pdf)
    monkeypatch.setattr(pdf.write_pdf, "__workshop_task__", dataclasses.replace(spec, seconds=0.05))
    client.set_cookie("lang", lang)
    response = client.get(f"/sessions/{sid}/protocol.pdf")
    page = response.get_data(as_text=True)
    assert response.status_code == 503 and words in page and response.headers["Retry-After"]
    assert not (tmp_path / "renders").exists() or not any((tmp_path / "renders").iterdir())
