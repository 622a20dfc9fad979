"""Logs that cannot betray a reader: after a burst of requests from many addresses, the
logs of `readerfund serve` (gunicorn) and `readerfund demo` keep only their networks."""

from __future__ import annotations

import http.client
import re
import shutil
import signal
import socket
import struct
import subprocess
import time
from pathlib import Path

from readerfund.tests.processes import clean_environment, free_port, start, wait_for_http

# Any 127.x address reaches the loopback interface, so the server sees these as the
# readers' own addresses; the forwarded ones come through X-Forwarded-For.
READERS = [f"127.0.0.{host}" for host in (57, 58, 59, 133, 201)]
# Readers behind a CDN, and the network the documented nginx map keeps of each.
CDN_READERS = {
    "198.51.100.77": "198.51.100.0",
    "2001:db8:1234:5678::9": "2001:db8:1234::",
    "2a02:6b8:b010:a0ff::1": "2a02:6b8:b010::",
    "2001:db8::77": "2001:db8::",
    "fe80::1234": "fe80::",
}
FORWARDED = ["198.51.100.77", "2001:db8:1234:5678::9", "203.0.113.201"]


def _request(
    port: int,
    source: str,
    method: str = "GET",
    path: str = "/embed.js",
    headers: dict[str, str] | None = None,
) -> int:
    connection = http.client.HTTPConnection(
        "127.0.0.1", port, timeout=10, source_address=(source, 0)
    )
    try:
        body = "[]" if method == "POST" else None
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def _reset_mid_request(port: int, source: str) -> None:
    """Sends half a request, then resets the connection (as a reader's dropped network)."""
    with socket.create_connection(
        ("127.0.0.1", port), timeout=10, source_address=(source, 0)
    ) as sock:
        sock.sendall(b"GET /embed.js HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def _stop(process: subprocess.Popen[str], sig: int) -> str:
    process.send_signal(sig)
    output, _ = process.communicate(timeout=30)
    return str(output)


def test_serve_logs_only_the_networks_of_readers_addresses(tmp_path: Path) -> None:
    # given the production server behind a proxy, its access log also printing the
    # forwarded addresses (an operator's GUNICORN_CMD_ARGS)
    port = free_port()
    env = clean_environment(
        SECRET_KEY="log-privacy-test-" + "k" * 40,
        DATABASE_URL=f"sqlite:///{tmp_path / 'production.sqlite3'}",
        ALLOWED_HOSTS="127.0.0.1",
        READERFUND_PUBLIC_URL=f"http://127.0.0.1:{port}",
        READERFUND_DATA_DIR=str(tmp_path),
        READERFUND_BEHIND_HTTPS_PROXY="true",
        WEB_CONCURRENCY="1",
        GUNICORN_CMD_ARGS=(
            "--access-logformat='%(h)s forwarded=[%({x-forwarded-for}i)s] \"%(r)s\" %(s)s'"
        ),
    )
    server = start(["serve", "--port", str(port), "--migrate"], env, tmp_path)
    try:
        wait_for_http(f"http://127.0.0.1:{port}/healthz", server, timeout=120)

        # when readers load the embed and post events from their own addresses, through
        # the proxy, and with a host name the server does not answer for
        statuses = []
        for reader in READERS:
            statuses.append(_request(port, reader))
            statuses.append(_request(port, reader, "POST", "/api/events"))
        for forwarded in FORWARDED:
            headers = {"X-Forwarded-For": f"{forwarded}, 127.0.0.1"}
            statuses.append(_request(port, READERS[0], headers=headers))
        statuses.append(_request(port, READERS[1], path="/give/", headers={"Host": "203.0.113.99"}))
    finally:
        log = _stop(server, signal.SIGTERM)

    # then every request was logged, with the network of each address and never the address
    assert 200 in statuses and 400 in statuses
    assert log.count("GET /embed.js") >= len(READERS) + len(FORWARDED), log
    assert log.count('127.0.0.0 forwarded=[-] "POST /api/events') == len(READERS), log
    for forwarded, network in zip(
        FORWARDED, ["198.51.100.0", "2001:db8:1234::", "203.0.113.0"], strict=True
    ):
        assert f"forwarded=[{network}, 127.0.0.0]" in log
        assert forwarded not in log
    assert "Invalid HTTP_HOST header: '203.0.113.0'" in log  # Django's own warning
    assert "203.0.113.99" not in log
    for reader in READERS:
        assert reader not in log


def test_demo_logs_only_the_networks_of_readers_addresses(tmp_path: Path) -> None:
    # given the demo
    port = free_port()
    env = clean_environment(READERFUND_DATA_DIR=str(tmp_path / "data"))
    demo = start(["demo", "--port", str(port)], env, tmp_path)
    try:
        wait_for_http(f"http://127.0.0.1:{port}/demo/", demo, timeout=120)

        # when readers load the embed, post events, and one drops the connection
        for reader in READERS:
            _request(port, reader)
            _request(port, reader, "POST", "/api/events")
        for forwarded in FORWARDED:
            _request(port, READERS[0], headers={"X-Forwarded-For": forwarded})
        _reset_mid_request(port, READERS[2])
        # the next request is answered after the dropped one was logged
        _request(port, READERS[3], path="/healthz")
    finally:
        log = _stop(demo, signal.SIGINT)

    # then the request log has every request, and the dropped connection names the network
    assert log.count('"GET /embed.js HTTP/1.1"') == len(READERS) + len(FORWARDED), log
    assert log.count('"POST /api/events HTTP/1.1"') == len(READERS), log
    assert "Broken pipe from ('127.0.0.0'," in log, log
    for address in READERS + FORWARDED:
        assert address not in log


# scripts/test installs Debian's nginx (bootstrap_nginx): a missing one fails, never skips.
NGINX = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/sbin") or "nginx"


def _nginx_blocks() -> list[str]:
    """The nginx examples of docs/privacy.md; the first is the `http` part."""
    text = (Path(__file__).resolve().parents[2] / "docs" / "privacy.md").read_text()
    return re.findall(r"```nginx\n(.*?)```", text, re.DOTALL)


def test_the_documented_nginx_log_format_keeps_only_networks(tmp_path: Path) -> None:
    # given nginx with the map and log format of docs/privacy.md, taking the reader's
    # address from X-Forwarded-For as it would behind a CDN (to try IPv6 readers on loopback)
    http_part = _nginx_blocks()[0]
    port = free_port()
    ipv6 = socket.has_ipv6 and _can_bind("::1")
    config = tmp_path / "nginx.conf"
    config.write_text(
        f"""
        worker_processes 1;
        daemon off;
        pid {tmp_path}/nginx.pid;
        error_log {tmp_path}/error.log crit;
        events {{}}
        http {{
            client_body_temp_path {tmp_path}/body;
            proxy_temp_path {tmp_path}/proxy;
            fastcgi_temp_path {tmp_path}/fastcgi;
            uwsgi_temp_path {tmp_path}/uwsgi;
            scgi_temp_path {tmp_path}/scgi;
            {http_part}
            server {{
                listen 127.0.0.1:{port};
                {f"listen [::1]:{port};" if ipv6 else ""}
                access_log {tmp_path}/access.log readerfund_private;
                set_real_ip_from 127.0.0.1;
                real_ip_header X-Forwarded-For;
                location / {{ return 204; }}
            }}
        }}
        """
    )
    nginx = subprocess.Popen(
        [NGINX, "-p", str(tmp_path), "-c", str(config)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        _wait_for_port(port, nginx)

        # when readers load the embed from their addresses, and through the CDN, with an
        # email address in the query
        for reader in READERS:
            _request(port, reader, path="/embed.js?email=alice%40example.org")
        for reader in CDN_READERS:
            _request(port, "127.0.0.1", headers={"X-Forwarded-For": reader})
        if ipv6:
            connection = http.client.HTTPConnection("::1", port, timeout=10)
            connection.request("GET", "/embed.js")
            connection.getresponse().read()
            connection.close()
    finally:
        nginx.terminate()
        nginx.communicate(timeout=30)

    # then the log has a line per request, with the network only, and no query string
    log = (tmp_path / "access.log").read_text()
    assert log.count("127.0.0.0 - - [") == len(READERS), log
    assert '"GET /embed.js HTTP/1.1" 204' in log
    assert "alice" not in log
    for network in CDN_READERS.values():
        assert f"{network} - - [" in log, log
    for reader in READERS + list(CDN_READERS):
        assert reader not in log
    if ipv6:
        assert log.count("0.0.0.0 - - [") == 1, log  # ::1 has no network worth keeping


def _can_bind(address: str) -> bool:
    try:
        with socket.socket(socket.AF_INET6) as sock:
            sock.bind((address, 0))
    except OSError:
        return False
    return True


def _wait_for_port(port: int, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"nginx exited: {process.communicate()[0]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise AssertionError("nginx did not listen")
