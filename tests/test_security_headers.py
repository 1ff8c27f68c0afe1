"""Security headers and secrets: no page runs inline script (CSP forbids it and no page needs
it), and production refuses to run without a real SECRET_KEY and with insecure cookies."""

from __future__ import annotations

import os
import subprocess
import sys
from html.parser import HTMLParser

import requests

from tests.conftest import running_server
from tests.live_client import csrf_token


class ScriptFinder(HTMLParser):
    """Collects inline script code and inline event handler attributes (onclick=…)."""

    def __init__(self):
        super().__init__()
        self.inline: list[str] = []
        self._in_code_script = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.inline += [f"{tag} {name}=…" for name in attrs if name.startswith("on")]
        if tag == "script":
            data_only = (attrs.get("type") or "").lower() == "application/json"
            self._in_code_script = not attrs.get("src") and not data_only

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_code_script = False

    def handle_data(self, data):
        if self._in_code_script and data.strip():
            self.inline.append(f"<script>{data.strip()[:60]}")


def script_sources(csp: str) -> list[str]:
    directives = {d.split()[0]: d.split()[1:] for d in csp.split(";") if d.strip()}
    return directives.get("script-src", directives.get("default-src", []))


def pages(server) -> dict[str, requests.Response]:
    fid = server.facilitator()
    mid = server.measure()
    sid, code = server.session(fid, mid)
    base = server.base_url
    http = server.login()
    phone = requests.Session()
    seen = {
        "login": requests.get(f"{base}/login"),
        "join form": phone.get(f"{base}/join"),
        "join name": phone.get(f"{base}/j/{code}"),
        "unknown code": requests.get(f"{base}/j/AAAAAA"),
        "register": http.get(f"{base}/measures"),
        "record": http.get(f"{base}/measures/{mid}"),
        "console": http.get(f"{base}/sessions/{sid}"),
        "projector": http.get(f"{base}/sessions/{sid}/projector"),
        "protocol": http.get(f"{base}/sessions/{sid}/protocol.html"),
        "not found": http.get(f"{base}/sessions/999999"),
    }
    phone.post(f"{base}/j/{code}", data={"csrf_token": csrf_token(phone, f"{base}/j/{code}")})
    seen["participant"] = phone.get(f"{base}/j/{code}")
    return seen


def test_no_page_allows_or_contains_inline_script(server):
    problems = []
    for name, response in pages(server).items():
        if "text/html" not in response.headers.get("Content-Type", ""):
            problems.append(f"{name}: not HTML ({response.status_code} {response.headers.get('Content-Type')})")
            continue
        csp = response.headers.get("Content-Security-Policy", "")
        sources = script_sources(csp)
        if not sources or "'unsafe-inline'" in sources or "'unsafe-eval'" in sources or "*" in sources:
            problems.append(f"{name}: script-src is {sources or 'missing'} (CSP: {csp!r})")
        finder = ScriptFinder()
        finder.feed(response.text)
        problems += [f"{name}: inline {found}" for found in finder.inline]
    assert not problems, "\n".join(problems)
    # The finder itself notices what it must.
    finder = ScriptFinder()
    finder.feed('<script>alert(1)</script><button onclick="x()"></button><script type="application/json">{}</script>')
    assert finder.inline == ["<script>alert(1)", "button onclick=…"]


def serve_env(**env) -> dict:
    base = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "WORKSHOP_SECURE_COOKIES")}
    return {**base, **env}


def test_production_refuses_to_start_without_a_real_secret_key(tmp_path):
    for secret, why in ((None, "needs SECRET_KEY"), ("short", "at least 32")):
        env = serve_env(
            WORKSHOP_ENV="production",
            DATABASE_URL=f"sqlite:///{tmp_path / 'p.db'}",
            WORKSHOP_INSTANCE_DIR=str(tmp_path),
            WORKSHOP_PORT="1",
        )
        if secret:
            env["SECRET_KEY"] = secret
        done = subprocess.run(
            [sys.executable, "-m", "workshop.cli", "serve"], env=env, capture_output=True, text=True, timeout=60
        )
        assert done.returncode != 0
        assert why in done.stderr and "Traceback" not in done.stderr, done.stderr
    assert not (tmp_path / "secret_key").exists()  # no key was made up


def test_unknown_environment_is_refused(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "workshop.cli", "serve"],
        capture_output=True,
        text=True,
        env=serve_env(WORKSHOP_ENV="prod", DATABASE_URL=f"sqlite:///{tmp_path / 'p.db'}"),
        timeout=60,
    )
    assert done.returncode != 0 and "WORKSHOP_ENV must be one of development, production" in done.stderr


def test_a_setting_that_is_not_a_usable_number_is_named(tmp_path):
    for name, value, why in (
        ("WORKSHOP_BROADCAST_WINDOW_MS", "fast", "must be a whole number, not 'fast'"),
        ("WORKSHOP_MAX_CONNECTIONS", "0", "must be at least 1, not 0"),
    ):
        done = subprocess.run(
            [sys.executable, "-m", "workshop.cli", "serve"],
            capture_output=True,
            text=True,
            env=serve_env(**{name: value}, DATABASE_URL=f"sqlite:///{tmp_path / 'p.db'}"),
            timeout=60,
        )
        assert done.returncode != 0 and f"{name} {why}" in done.stderr and "Traceback" not in done.stderr


def test_production_cookies_are_secure(database_url, tmp_path):
    env = {"WORKSHOP_ENV": "production", "SECRET_KEY": "x" * 40, "WORKSHOP_SECURE_COOKIES": ""}
    with running_server(database_url, tmp_path, env) as server:
        page = requests.get(f"{server.base_url}/login")  # sets the session cookie (CSRF token)
        cookies = page.headers["Set-Cookie"]
        assert "session=" in cookies and "Secure" in cookies and "HttpOnly" in cookies, cookies
