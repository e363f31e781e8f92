"""Smoke test of the scale-out deployment: gunicorn with two workers on PostgreSQL and Redis.

Creates a fresh PostgreSQL database, loads the demo city with ``statroom demo``, starts
``gunicorn -w 2 app:server`` on a free loopback port and, from several concurrent
clients, asks for pages and API endpoints; a sign-in made on one request must be
honoured by both workers (they share STATROOM_SECRET_KEY). Needs
STATROOM_TEST_POSTGRES_URL and STATROOM_TEST_REDIS_URL (``.ci/run`` sets both).
"""

from __future__ import annotations

import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from tests.conftest import POSTGRES_URL, fresh_postgres_database

REDIS_URL = os.environ.get("STATROOM_TEST_REDIS_URL", "")
ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not (POSTGRES_URL and REDIS_URL),
        reason="STATROOM_TEST_POSTGRES_URL and STATROOM_TEST_REDIS_URL are both needed",
    ),
]

#: Requests made by the concurrent clients, in all (bounded: this is a smoke test).
CONCURRENT_REQUESTS = 48
CLIENTS = 8


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _statroom(env: dict, *args: str, timeout: int = 600) -> None:
    subprocess.run([str(BIN / "statroom"), *args], cwd=ROOT, env=env, check=True, timeout=timeout)


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    """(base URL, access-log path) of gunicorn serving the demo city from PostgreSQL."""
    log_dir = tmp_path_factory.mktemp("gunicorn")
    with fresh_postgres_database() as database_url:
        env = {
            **os.environ,
            "STATROOM_DATABASE_URL": database_url,
            "STATROOM_CACHE_URL": REDIS_URL,
            "STATROOM_SECRET_KEY": secrets.token_hex(32),
            # Anonymous visitors see public measures only, so a working sign-in shows.
            "STATROOM_ANONYMOUS_ROLE": "public",
            "STATROOM_NEW_PASSWORD": "smoke-test-password",
        }
        _statroom(env, "demo")
        _statroom(env, "user", "add", "smoke", "--role", "viewer", "--name", "Smoke Test")
        port = _free_port()
        access_log = log_dir / "access.log"
        server = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "--workers",
                "2",
                "--bind",
                f"127.0.0.1:{port}",
                "--timeout",
                "120",
                "--access-logfile",
                str(access_log),
                # The worker's process id first: it shows which worker served a request.
                "--access-logformat",
                '%(p)s "%(r)s" %(s)s',
                "app:server",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=open(log_dir / "error.log", "w"),  # noqa: SIM115 - closed with the process
        )
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_healthy(base, server, log_dir / "error.log")
            _wait_for_both_workers(base, access_log)
            yield base, access_log
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=30)


def _wait_healthy(base: str, server: subprocess.Popen, error_log: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"gunicorn exited with {server.returncode}:\n{error_log.read_text()}")
        try:
            if requests.get(f"{base}/healthz", timeout=30).status_code == 200:
                return
        except requests.RequestException:  # not listening yet, or still starting up
            pass
        time.sleep(0.5)
    pytest.fail(f"gunicorn did not become healthy:\n{error_log.read_text()}")


def _wait_for_both_workers(base: str, access_log: Path) -> None:
    """Until both workers have answered: the first to finish starting passes the health
    check while the other may still be building its app, and quick pages then all go to
    the first (the tests below check that both take part)."""
    deadline = time.monotonic() + 120
    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        while len(_served_by(access_log, r"^/healthz$")) < 2:
            if time.monotonic() > deadline:
                pytest.fail("the second gunicorn worker never answered")
            list(pool.map(lambda _: requests.get(f"{base}/healthz", timeout=30), range(CLIENTS)))
            time.sleep(0.2)


def _served_by(access_log: Path, path_pattern: str, status: str = r"\d+") -> set[str]:
    """Process ids of the workers that logged a request for a matching path and status."""
    pids = set()
    for line in access_log.read_text().splitlines():
        match = re.match(r'<(\d+)> "\S+ (\S+) [^"]*" (\d+)', line)
        if (
            match
            and re.search(path_pattern, match.group(2))
            and re.fullmatch(status, match.group(3))
        ):
            pids.add(match.group(1))
    return pids


def test_gun001_health_check_reports_the_database(deployment):
    base, _ = deployment
    response = requests.get(f"{base}/healthz", timeout=10)
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_gun002_pages_and_api_answer_concurrent_clients(deployment):
    base, access_log = deployment
    measure_id = _rows(requests.get(f"{base}/api/v1/measures", timeout=30))[0]["id"]
    paths = [
        "/",
        f"/measure/{measure_id}",
        "/kiosk",
        "/public",
        "/api/v1/measures",
        f"/api/v1/measures/{measure_id}/summary",
        f"/api/v1/measures/{measure_id}/observations",
        "/api/v1/geographies.geojson",
    ]
    targets = [paths[i % len(paths)] for i in range(CONCURRENT_REQUESTS)]

    def fetch(path: str) -> tuple[str, int, str]:
        response = requests.get(base + path, timeout=60)
        return path, response.status_code, response.headers.get("Content-Type", "")

    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        results = list(pool.map(fetch, targets))
    failures = [(path, status) for path, status, _ in results if status != 200]
    assert failures == []
    for path, _, content_type in results:
        expected = "json" if path.startswith("/api/") else "text/html"
        assert expected in content_type, (path, content_type)
    # Both workers took part, all from one database and one cache.
    assert len(_served_by(access_log, r"^/(api/v1/|measure/|kiosk|public|$)")) == 2


def test_gun003_a_sign_in_is_honoured_by_every_worker(deployment):
    base, access_log = deployment
    public_ids = {m["id"] for m in _rows(requests.get(f"{base}/api/v1/measures", timeout=30))}

    session = requests.Session()
    login = session.post(
        f"{base}/auth/login",
        data={"username": "smoke", "password": "smoke-test-password", "next": "/"},
        allow_redirects=False,
        timeout=30,
    )
    assert login.status_code == 303 and login.headers["Location"] == "/"
    cookies = session.cookies.get_dict()
    assert cookies, "the sign-in set no session cookie"
    staff_ids = {
        m["id"] for m in _rows(requests.get(f"{base}/api/v1/measures", cookies=cookies, timeout=30))
    }
    internal = sorted(staff_ids - public_ids)
    assert internal, "a signed-in viewer should see the demo city's internal measures"
    path = f"/api/v1/measures/{internal[0]}"
    assert requests.get(base + path, timeout=30).status_code == 404  # hidden when anonymous

    def as_staff(_: int) -> int:
        return requests.get(base + path, cookies=cookies, timeout=60).status_code

    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        statuses = list(pool.map(as_staff, range(24)))
    # Every worker that served the internal measure with the cookie honoured the session.
    assert statuses == [200] * 24
    assert len(_served_by(access_log, re.escape(path) + r"$", status="200")) == 2


def _rows(response: requests.Response) -> list[dict]:
    assert response.status_code == 200, response.text[:200]
    return response.json()["measures"]
