"""Playbook and event-ingest throughput of `readerfund serve` on loopback, measured with wrk,
each beside a static file served by the same server (the baseline)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile

from bench.common import median, postgres_reachable, production_server, readerfund, report

DURATION = "5s"
ROUNDS = 3  # static, embed and ingest alternate; medians of the rounds are reported
CONNECTIONS = "16"
EVENTS_PER_BATCH = 20
# as the embed sends it: [campaign, variant, channel, type] per event
BATCH = json.dumps(
    [
        ["no-ads-banner", "control", "banner", kind]
        for kind in ["impression"] * (EVENTS_PER_BATCH - 1) + ["click"]
    ]
)


def wrk(url: str, script: str | None = None) -> tuple[float, int, int]:
    """Requests per second, total requests and non-2xx answers of a bounded wrk run."""
    command = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{DURATION}", "--latency"]
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as lua:
        if script:
            lua.write(script)
            lua.flush()
            command += ["-s", lua.name]
        output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    total = int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return rate, total, int(errors.group(1)) if errors else 0


def counted_events(env: dict[str, str]) -> int:
    script = (
        "from django.db.models import Sum; from readerfund.events.models import EventCount; "
        "print(EventCount.objects.aggregate(n=Sum('count'))['n'] or 0)"
    )
    output = readerfund("manage", "shell", "-v", "0", "-c", script, env=env).stdout
    return int(output.strip().splitlines()[-1])


def static_path(server_url: str) -> str:
    import urllib.request

    with urllib.request.urlopen(server_url + "/demo/") as page:  # noqa: S310 (loopback)
        found = re.search(r'href="(/static/demo/site\.[0-9a-f]+\.css)"', page.read().decode())
    assert found, "the demo page links its hashed stylesheet"
    return found.group(1)


def run() -> None:
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install wrk (scripts/bench installs it)")
    databases = ["sqlite"] + (["postgres"] if postgres_reachable() else [])
    post = (
        f"wrk.method = 'POST'\nwrk.body = {json.dumps(BATCH)}\n"
        "wrk.headers['Content-Type'] = 'text/plain'\n"
    )
    for database in databases:
        with production_server(database=database) as server:
            static_url = server.url + static_path(server.url)
            static, embed, ingest = [], [], []
            total = errors = embed_errors = 0
            for _ in range(ROUNDS):
                static.append(wrk(static_url)[0])
                rate, _, failed = wrk(server.url + "/embed.js")
                embed.append(rate)
                embed_errors += failed
                rate, requests, failed = wrk(server.url + "/api/events", post)
                ingest.append(rate * EVENTS_PER_BATCH)
                total += requests
                errors += failed
            counted = counted_events(server.env)
            expected = (total - errors) * EVENTS_PER_BATCH
            report(f"[{database}] GET /embed.js", median(embed), "req/s",
                   "static file", median(static))  # fmt: skip
            report(f"[{database}] event ingest, batches of {EVENTS_PER_BATCH}", median(ingest),
                   "ev/s", "static file (req/s)", median(static))  # fmt: skip
            print(
                f"[{database}] events: {expected} acknowledged to wrk, {counted} counted, "
                f"{max(0, expected - counted)} lost ({max(0, counted - expected)} more counted: "
                f"batches in flight when wrk stopped); errors: embed {embed_errors}, "
                f"ingest {errors}",
                flush=True,
            )
