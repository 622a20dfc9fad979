"""The files in deploy/ as an operator installs them: nginx's site and the systemd units."""

from __future__ import annotations

import configparser
import http.client
import shutil
import signal
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from readerfund.campaigns.serving import CACHE_CONTROL
from readerfund.tests.processes import free_port
from readerfund.tests.waiting import wait_for

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
HOST = "support.example.org"


def nginx_binary() -> str:
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/sbin")
    if found is None:
        pytest.fail("nginx not found; scripts/test installs Debian's nginx (bootstrap_nginx).")
    return found


def nginx_site(tmp_path: Path, *, upstream: str, http_port: int, https_port: int) -> Path:
    """The shipped site inside a minimal nginx.conf, with a throwaway certificate, logs in
    tmp_path, loopback ports and `upstream` as both app servers."""
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", f"/CN={HOST}", "-keyout", str(tmp_path / "key.pem"),
         "-out", str(tmp_path / "cert.pem")],
        check=True, capture_output=True,
    )  # fmt: skip
    site = (DEPLOY / "nginx" / "readerfund.conf").read_text()
    replacements = {
        f"/etc/letsencrypt/live/{HOST}/fullchain.pem": str(tmp_path / "cert.pem"),
        f"/etc/letsencrypt/live/{HOST}/privkey.pem": str(tmp_path / "key.pem"),
        "/var/log/nginx/": f"{tmp_path}/",
        "server 127.0.0.1:8000 ": f"server {upstream} ",
        "server 127.0.0.1:8001 ": f"server {upstream} ",
        "listen 80;": f"listen 127.0.0.1:{http_port};",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{https_port} ssl http2;",
        "listen [::]:80;": "",
        "listen [::]:443 ssl http2;": "",
    }
    for old, new in replacements.items():
        assert old in site, f"deploy/nginx/readerfund.conf no longer has {old!r}"
        site = site.replace(old, new)
    (tmp_path / "readerfund.conf").write_text(site)
    main = tmp_path / "nginx.conf"
    main.write_text(
        f"pid {tmp_path}/nginx.pid;\n"
        f"error_log {tmp_path}/error.log;\n"
        "events {}\n"
        "http {\n"
        f"  access_log {tmp_path}/access.log;\n"
        f"  client_body_temp_path {tmp_path}/body;\n"
        f"  proxy_temp_path {tmp_path}/proxy;\n"
        f"  include {tmp_path}/readerfund.conf;\n"
        "}\n"
    )
    return main


def test_nginx_accepts_the_shipped_site(tmp_path):
    # given the shipped site with a certificate and writable logs
    config = nginx_site(tmp_path, upstream="127.0.0.1:9", http_port=8080, https_port=8443)

    # when nginx checks it
    result = subprocess.run(
        [nginx_binary(), "-t", "-p", str(tmp_path), "-c", str(config), "-e", "stderr"],
        capture_output=True,
        text=True,
    )

    # then it is valid
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


@pytest.fixture
def nginx_in_front(tmp_path, live_server, settings) -> Iterator[tuple[int, int]]:
    """nginx running the shipped site in front of this test's live server."""
    settings.ALLOWED_HOSTS = [HOST]
    http_port, https_port = free_port(), free_port()
    upstream = live_server.url.removeprefix("http://")
    config = nginx_site(tmp_path, upstream=upstream, http_port=http_port, https_port=https_port)
    process = subprocess.Popen(
        [nginx_binary(), "-p", str(tmp_path), "-c", str(config), "-e", "stderr",
         "-g", "daemon off; master_process off;"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 10
    while not (tmp_path / "nginx.pid").exists():
        assert process.poll() is None, process.stdout.read() if process.stdout else ""
        assert time.monotonic() < deadline, "nginx did not start"
        time.sleep(0.05)
    yield http_port, https_port
    process.send_signal(signal.SIGQUIT)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def get(port: int, path: str, *, tls: bool) -> http.client.HTTPResponse:
    connection: http.client.HTTPConnection
    if tls:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE  # the test's own self-signed certificate
        connection = http.client.HTTPSConnection("127.0.0.1", port, timeout=10, context=context)
    else:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", path, headers={"Host": HOST, "X-Forwarded-For": "203.0.113.9"})
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


@pytest.mark.django_db(transaction=True)
def test_nginx_serves_readerfund_over_tls_and_keeps_addresses_out_of_its_log(
    nginx_in_front, tmp_path
):
    # given nginx with the shipped site in front of readerfund
    http_port, https_port = nginx_in_front

    # when a reader asks over plain HTTP, then over HTTPS
    plain = get(http_port, "/embed.js", tls=False)
    embed = get(https_port, "/embed.js?token=abc", tls=True)
    health = get(https_port, "/healthz", tls=True)

    # then plain HTTP is sent to HTTPS, and the embed arrives with readerfund's cache headers
    assert plain.status == 301
    assert plain.getheader("Location") == f"https://{HOST}/embed.js"
    assert embed.status == 200
    assert embed.getheader("Cache-Control") == CACHE_CONTROL
    assert health.status == 200
    # and the access log has the network, not the address, and no query string
    log = tmp_path / "readerfund.access.log"
    # (nginx writes a line once the answer has gone out: the last may come a moment later)
    wait_for(lambda: len(log.read_text().splitlines()) >= 3, "nginx's access log lines")
    lines = log.read_text().splitlines()
    assert len(lines) == 3
    assert all(line.startswith("127.0.0.0 [") for line in lines), lines
    assert '"GET /embed.js"' in lines[1] and "token=abc" not in lines[1]


UNITS = {
    "readerfund-web.service": "readerfund serve",
    "readerfund-worker.service": "readerfund worker",
}


@pytest.mark.parametrize("unit", sorted(UNITS))
def test_systemd_unit_restarts_readerfund_and_is_valid(unit, tmp_path):
    # given the shipped unit
    text = (DEPLOY / "systemd" / unit).read_text()

    # then it runs the right command under a restart policy, with the settings file
    parsed = configparser.ConfigParser(strict=False, interpolation=None)
    parsed.optionxform = str  # type: ignore[assignment,method-assign]
    parsed.read_string(text)
    service = parsed["Service"]
    assert service["ExecStart"].startswith("/opt/readerfund/.venv/bin/readerfund ")
    assert UNITS[unit] in service["ExecStart"].replace("/opt/readerfund/.venv/bin/", "")
    assert service["Restart"] == "always"
    assert service["EnvironmentFile"] == "/etc/readerfund/readerfund.env"
    # in production mode whatever the settings file holds (a worker in demo mode would
    # count test gifts toward the public goal)
    assert "READERFUND_ENV=production" in service["Environment"].split()
    assert service["User"] == "readerfund"
    assert parsed["Install"]["WantedBy"] == "multi-user.target"

    # and systemd itself finds nothing wrong with it (pointed at this machine's readerfund)
    analyze = shutil.which("systemd-analyze")
    if analyze is not None:
        installed = tmp_path / unit
        readerfund = Path(sys.executable).parent / "readerfund"
        installed.write_text(text.replace("/opt/readerfund/.venv/bin/readerfund", str(readerfund)))
        result = subprocess.run([analyze, "verify", str(installed)], capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
        assert result.stderr.strip() == ""
