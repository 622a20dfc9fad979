"""A newsroom's own provider, installed as its own package, is found through its entry
point and takes a gift end to end — without a line of readerfund changed.

The package is readerfund/tests/example_provider (its pyproject.toml is what `pip install`
reads). Here it is installed the way pip lays a package out: its module and a
`*.dist-info` with METADATA and entry_points.txt in a directory on sys.path, which is all
`importlib.metadata` (and so readerfund) looks at.
"""

from __future__ import annotations

import importlib
import json
import shutil
import time
import tomllib
from pathlib import Path

import pytest
from django.test import Client
from django.test.utils import modify_settings

from readerfund.payments.models import AttemptStatus, Contribution, PaymentAttempt
from readerfund.payments.registry import providers_for_country
from readerfund.plugins import GROUP, provider_apps

EXAMPLE = Path(__file__).parent / "example_provider"


@pytest.fixture
def installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """Example Pay installed into a site directory; returns its AppConfig's dotted path."""
    project = tomllib.loads((EXAMPLE / "pyproject.toml").read_text())["project"]
    shutil.copytree(EXAMPLE / "readerfund_example_pay", tmp_path / "readerfund_example_pay")
    dist_info = tmp_path / "readerfund_example_pay-0.1.0.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {project['name']}\nVersion: {project['version']}\n"
    )
    points = project["entry-points"][GROUP]
    (dist_info / "entry_points.txt").write_text(
        f"[{GROUP}]\n" + "".join(f"{name} = {value}\n" for name, value in points.items())
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    return "readerfund_example_pay.apps.ExamplePayConfig"


@pytest.mark.django_db
def test_an_installed_provider_package_takes_a_gift_end_to_end(installed, settings):
    # given Example Pay installed as a package, and the operator's settings naming it
    assert installed in provider_apps()  # what settings put in INSTALLED_APPS at start
    settings.EXAMPLE_PAY_SECRET = "example-secret"
    settings.READERFUND_PAYMENT_METHODS = {"*": ["example_pay", "bank_transfer"]}
    with modify_settings(INSTALLED_APPS={"append": [installed]}):
        # importable only now that it is installed
        example = importlib.import_module("readerfund_example_pay.provider")
        assert [p.identifier for p in providers_for_country("DE")] == [
            "example_pay",
            "bank_transfer",
        ]
        reader = Client()

        # when a reader chooses it on the give page and pays at Example Pay
        page = reader.get("/give/").content.decode()
        assert "Example Pay" in page
        started = reader.post(
            "/give/start",
            {"frequency": "one_off", "currency": "EUR", "amount": "7", "method": "example_pay",
             "email": "reader@example.org"},
            headers={"Accept": "application/json"},
        )  # fmt: skip
        assert started.status_code == 200, started.content
        assert started.json()["next"].startswith("https://pay.example/checkout/ex_")
        attempt = PaymentAttempt.objects.get()
        notice = json.dumps({
            "id": "notice_1", "payment": attempt.provider_reference, "amount": 700,
            "currency": "EUR", "at": int(time.time()), "order": str(attempt.public_id),
        }).encode()  # fmt: skip
        webhook = reader.post(
            "/payments/webhooks/example_pay/", data=notice, content_type="application/json",
            headers={example.SIGNATURE_HEADER: example.example_pay_sign(notice)},
        )  # fmt: skip
        thanks = reader.get(f"/give/thanks/{attempt.public_id}/")

    # then the ledger holds the gift, once, and the reader is thanked
    assert webhook.status_code == 200
    contribution = Contribution.objects.get()
    assert (contribution.provider, contribution.amount, contribution.currency) == (
        "example_pay", 700, "EUR",
    )  # fmt: skip
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.SUCCEEDED
    assert "Thank you!" in thanks.content.decode()


def test_without_the_package_it_is_not_found():
    assert not any("example_pay" in path for path in provider_apps())
