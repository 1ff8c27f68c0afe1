"""deploy/nginx/workshop.conf, as shipped, in front of two processes: a session driven
through nginx (join, websocket and long-polling connections, a card seen by everyone)."""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
import requests
import socketio

from tests.conftest import IN_CI, _free_port, running_server
from tests.live_client import LiveClient, join

DEPLOY_CONF = Path(__file__).resolve().parent.parent / "deploy" / "nginx" / "workshop.conf"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def nginx_config(tmp: Path, port: int, backends: list[str]) -> Path:
    """The shipped site config with test ports, inside a main config whose every path is in tmp."""
    site = DEPLOY_CONF.read_text()
    # the shipped servers' parameters (max_fails, fail_timeout) kept, for the test's addresses
    parameters = re.search(r"    server 127\.0\.0\.1:\d+([^;]*);\n", site)
    assert parameters, "deploy/nginx/workshop.conf: upstream servers not found"
    servers = "".join(f"    server {backend}{parameters.group(1)};\n" for backend in backends)
    site, replaced = re.subn(r"(    server 127\.0\.0\.1:\d+[^;]*;\n)+", servers, site)
    assert replaced == 1, "deploy/nginx/workshop.conf: upstream servers not found"
    site = site.replace("listen 80;", f"listen 127.0.0.1:{port};")
    (tmp / "workshop.conf").write_text(site)
    for temp in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (tmp / temp).mkdir(exist_ok=True)
    main = tmp / "nginx.conf"
    main.write_text(f"""daemon off;
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log notice;
events {{ worker_connections 512; }}
http {{
    access_log {tmp}/access.log;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    include {tmp}/workshop.conf;
}}
""")
    return main


@pytest.fixture
def nginx_binary():
    if not Path(NGINX).exists():
        if IN_CI:
            pytest.fail(f"nginx not found at {NGINX}; `make test` installs it")
        pytest.skip(f"nginx not found at {NGINX} (run `make test`, which installs it)")
    return NGINX


@pytest.fixture
def proxied(nginx_binary, database_url, redis_queue, tmp_path):
    env = {**redis_queue, "WORKSHOP_PROXY_FIX": "1"}
    with (
        running_server(database_url, tmp_path, env, name="a") as a,
        running_server(database_url, tmp_path, env, name="b") as b,
    ):
        port = _free_port()
        nginx_dir = tmp_path / "nginx"
        nginx_dir.mkdir()
        conf = nginx_config(nginx_dir, port, [a.base_url.split("//")[1], b.base_url.split("//")[1]])
        checked = subprocess.run(
            [nginx_binary, "-t", "-p", str(nginx_dir), "-c", str(conf), "-e", str(nginx_dir / "error.log")],
            capture_output=True,
            text=True,
        )
        assert checked.returncode == 0, checked.stderr
        process = subprocess.Popen(
            [nginx_binary, "-p", str(nginx_dir), "-c", str(conf), "-e", str(nginx_dir / "error.log")],
            stderr=subprocess.PIPE,
        )
        try:
            deadline = time.monotonic() + 15
            while True:  # readiness of the port, not a fixed sleep
                assert process.poll() is None, process.stderr.read().decode()
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                    break
                except OSError:
                    assert time.monotonic() < deadline, "nginx did not start"
                    time.sleep(0.05)
            yield f"http://127.0.0.1:{port}", a, b
        finally:
            process.terminate()
            process.wait(timeout=10)


def test_a_session_through_nginx(proxied):
    front, a, b = proxied
    fid = a.facilitator()
    sid, code = a.session(fid, a.measure())
    assert "Rahmen setzen" in requests.get(f"{front}/j/{code}").text
    phone = LiveClient(front, sid, "participant", token=join(front, code, "Kim")["token"])
    http = a.login()  # the facilitator's cookie works at every process (same SECRET_KEY)
    facilitator = LiveClient(front, sid, "facilitator", cookies="; ".join(f"{c.name}={c.value}" for c in http.cookies))
    direct = [b.facilitator_client(sid, http, role="projector"), a.facilitator_client(sid, http, role="projector")]
    polling = socketio.Client(reconnection=False)
    snapshots = []
    polling.on("snapshot", snapshots.append)
    try:
        polling.connect(
            front,
            auth={"session_id": sid, "role": "participant", "token": join(front, code)["token"]},
            transports=["polling"],
            wait_timeout=10,
        )
        assert facilitator.op("session.start")["ok"]
        card = phone.op("card.add", step_key="approaches", text="durch nginx")
        assert card["ok"]
        for client in (facilitator, *direct):
            client.wait_seq(card["seq"])
            assert client.card_texts("approaches") == ["durch nginx"]
        # Long-polling works only if nginx keeps every request of the connection on one process.
        assert polling.call("sync", {"after_seq": 0}, timeout=10)["events"][-1]["seq"] == card["seq"]
        assert snapshots and snapshots[0]["session"]["id"] == sid
    finally:
        polling.disconnect()
        for client in (phone, facilitator, *direct):
            client.close()
