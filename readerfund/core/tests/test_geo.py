"""The reader's country: the CDN's header first, a GeoLite2-format file as the fallback."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from mmdb_writer import MMDBWriter
from netaddr import IPSet

from readerfund.core.geo import _geoip_reader, client_ip, country_from_request


@pytest.fixture
def geoip_file(tmp_path, settings):
    """A real MaxMind DB file (made with a writer, not downloaded) mapping a test range."""
    path = tmp_path / "countries.mmdb"
    writer = MMDBWriter(ip_version=4, database_type="GeoLite2-Country")
    writer.insert_network(IPSet(["203.0.113.0/24"]), {"country": {"iso_code": "RU"}})
    writer.to_db_file(str(path))
    settings.READERFUND_GEOIP_DATABASE = str(path)
    yield path
    _geoip_reader.cache_clear()


@pytest.mark.parametrize(
    ("header", "country"),
    [("RU", "RU"), ("ru", "RU"), ("XX", None), ("T1", None), ("Russia", None), ("", None)],
)
def test_country_comes_from_the_cdn_header(header, country):
    request = RequestFactory().get("/api/geo", headers={"CF-IPCountry": header})
    assert country_from_request(request) == country


def test_the_header_name_is_configurable(settings):
    settings.READERFUND_COUNTRY_HEADER = "X-Country-Code"
    request = RequestFactory().get("/api/geo", headers={"X-Country-Code": "BY"})
    assert country_from_request(request) == "BY"


def test_without_a_header_the_geoip_file_answers(geoip_file):
    inside = RequestFactory().get("/api/geo", REMOTE_ADDR="203.0.113.9")
    outside = RequestFactory().get("/api/geo", REMOTE_ADDR="198.51.100.1")
    assert country_from_request(inside) == "RU"
    assert country_from_request(outside) is None


def test_geo_endpoint_answers_privately_and_to_the_allowed_origins(client, settings):
    settings.READERFUND_EMBED_ORIGINS = ["https://news.example"]
    response = client.get(
        "/api/geo", headers={"CF-IPCountry": "RU", "Origin": "https://news.example"}
    )
    assert response.json() == {"country": "RU"}
    assert response["Cache-Control"] == "private, no-store"
    assert response["Access-Control-Allow-Origin"] == "https://news.example"
    assert "Set-Cookie" not in response


@pytest.mark.parametrize(
    ("hops", "forwarded", "reader"),
    [
        (1, "203.0.113.9", "203.0.113.9"),
        (1, "6.6.6.6, 203.0.113.9", "203.0.113.9"),  # the first entry is the client's own claim
        (2, "6.6.6.6, 203.0.113.9, 198.51.100.1", "203.0.113.9"),  # a CDN, then nginx
        (3, "203.0.113.9", "203.0.113.9"),
    ],
)
def test_behind_proxies_the_reader_is_the_entry_the_nearest_proxies_appended(
    settings, hops, forwarded, reader
):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.READERFUND_PROXY_HOPS = hops
    request = RequestFactory().get("/", HTTP_X_FORWARDED_FOR=forwarded, REMOTE_ADDR="10.0.0.2")

    assert client_ip(request) == reader


def test_without_a_proxy_a_forwarded_header_is_ignored(settings):
    request = RequestFactory().get("/", HTTP_X_FORWARDED_FOR="6.6.6.6", REMOTE_ADDR="203.0.113.9")

    assert client_ip(request) == "203.0.113.9"


def test_hops_zero_ignores_the_forwarded_header_even_behind_the_https_proxy(settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.READERFUND_PROXY_HOPS = 0
    request = RequestFactory().get("/", HTTP_X_FORWARDED_FOR="6.6.6.6", REMOTE_ADDR="203.0.113.9")

    assert client_ip(request) == "203.0.113.9"


def _production_hops(tmp_path, **env: str) -> int:
    """READERFUND_PROXY_HOPS as a production process reads it from `env`."""
    import subprocess
    import sys

    from readerfund.tests.processes import clean_environment

    environment = clean_environment(
        READERFUND_ENV="production",
        READERFUND_DATA_DIR=str(tmp_path),
        SECRET_KEY="k" * 50,
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        ALLOWED_HOSTS="support.example.org",
        READERFUND_PUBLIC_URL="https://support.example.org",
        DJANGO_SETTINGS_MODULE="readerfund.settings",
        **env,
    )
    script = "from django.conf import settings; print(settings.READERFUND_PROXY_HOPS)"
    result = subprocess.run(
        [sys.executable, "-c", script], env=environment, capture_output=True, text=True, check=True
    )
    return int(result.stdout.strip())


@pytest.mark.parametrize(
    ("env", "hops"),
    [
        ({}, 0),  # nothing declared: X-Forwarded-For is not believed
        ({"READERFUND_BEHIND_HTTPS_PROXY": "false"}, 0),
        ({"READERFUND_BEHIND_HTTPS_PROXY": "true"}, 1),
        ({"READERFUND_BEHIND_HTTPS_PROXY": "true", "READERFUND_PROXY_HOPS": "2"}, 2),
    ],
)
def test_production_believes_x_forwarded_for_only_behind_a_declared_proxy(tmp_path, env, hops):
    assert _production_hops(tmp_path, **env) == hops
