"""The newsroom's own face: its name, logo, colours and sender on readers' pages and in
every email, in each language, set in the admin or by the settings table's defaults."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.mail import EmailMultiAlternatives

from readerfund.core.colour import contrast_ratio
from readerfund.core.models import Newsroom
from readerfund.payments.models import Contribution
from readerfund.payments.tasks import receipt_send
from readerfund.supporters.tests.conftest import sandbox_gift, sign_in, supporter_of

pytestmark = pytest.mark.django_db

FAR_SHORE_RU = "Дальний берег"  # noqa: RUF001 (Russian)

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7V\xbd\xfa"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)


@pytest.fixture
def harbour() -> Newsroom:
    return Newsroom.objects.create(
        name="Harbour Post", name_ru="Портовый вестник", sender_name="Harbour Post readers",
        sender_name_ru="Читатели «Портового вестника»", site_url="https://harbour.example/",
        accent="#1d4d2b",
    )  # fmt: skip


def _form(**fields: str) -> dict[str, str]:
    values = {
        "name": "Harbour Post", "name_ru": "", "sender_name": "", "sender_name_ru": "",
        "site_url": "https://harbour.example/", "logo_url": "", "accent": "", "accent_dark": "",
    }  # fmt: skip
    return {**values, **fields}


def test_the_give_page_carries_the_newsroom_s_name_and_way_back_in_each_language(client, harbour):
    english = client.get("/give/").content.decode()
    assert "Harbour Post" in english
    assert '<a class="masthead__back" href="https://harbour.example/">Back to Harbour Post</a>' in (
        english
    )

    russian = client.get("/give/?lang=ru").content.decode()
    assert "Портовый вестник" in russian and "Harbour Post" not in russian


def test_the_thanks_and_manage_pages_carry_the_name(client, harbour):
    attempt = sandbox_gift()
    assert "Harbour Post" in client.get(f"/give/thanks/{attempt.public_id}/").content.decode()
    sign_in(client, supporter_of())
    assert "Harbour Post" in client.get("/manage/").content.decode()


def test_without_a_row_the_settings_table_names_the_newsroom(client, settings):
    settings.READERFUND_NEWSROOM_NAME = "The Far Shore"
    settings.READERFUND_NEWSROOM_NAME_RU = FAR_SHORE_RU
    assert "The Far Shore" in client.get("/give/").content.decode()
    assert FAR_SHORE_RU in client.get("/give/?lang=ru").content.decode()


def test_the_receipt_comes_from_the_newsroom_s_sender_name_and_is_signed_by_it(harbour):
    # given a gift by a reader who reads in Russian, and one in English
    sandbox_gift(email="ru@example.org", language="ru")
    sandbox_gift(email="en@example.org", language="en")
    mail.outbox.clear()

    # when their receipts are sent
    for contribution in Contribution.objects.all():
        receipt_send.call(contribution_id=contribution.pk)

    # then each comes from the sender name in the reader's language, signed by the newsroom
    by_reader = {message.to[0]: message for message in mail.outbox}
    english, russian = by_reader["en@example.org"], by_reader["ru@example.org"]
    assert english.from_email.startswith("Harbour Post readers <")
    assert russian.from_email.startswith("=?utf-8?") or "Портового" in russian.from_email
    assert "Harbour Post" in english.body and "Портовый вестник" in russian.body
    assert isinstance(english, EmailMultiAlternatives)
    html = str(english.alternatives[0][0])
    assert "Harbour Post" in html and "#1d4d2b" in html


def test_a_logo_given_by_address_shows_with_its_alt_text_and_may_load(client, harbour):
    harbour.logo_url = "https://cdn.harbour.example/logo.png"
    harbour.save()

    response = client.get("/give/")

    shown = '<img class="masthead__logo" src="https://cdn.harbour.example/logo.png"'
    assert f'{shown} alt="Harbour Post"' in response.content.decode()
    img_src = re.search(r"img-src ([^;]+);", response["Content-Security-Policy"])
    assert img_src is not None and "https://cdn.harbour.example" in img_src.group(1)


def test_an_uploaded_logo_is_served_with_its_checked_type_and_shown_with_alt_text(
    admin_client, client, harbour
):
    # when the operator uploads a PNG
    response = admin_client.post(
        "/admin/core/newsroom/1/change/",
        {**_form(), "logo_file": SimpleUploadedFile("logo.png", PNG, "image/png")},
    )
    assert response.status_code == 302

    # then pages show it with the name as its alt text, and it is served as a PNG
    page = client.get("/give/").content.decode()
    src = re.search(r'<img class="masthead__logo" src="([^"]+)" alt="Harbour Post"', page)
    assert src is not None
    logo = client.get(src.group(1).replace("http://127.0.0.1:8000", ""))
    assert (logo.status_code, logo["Content-Type"], logo.content) == (200, "image/png", PNG)


def test_a_file_that_is_not_an_image_is_refused_as_a_logo(admin_client, harbour):
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    response = admin_client.post(
        "/admin/core/newsroom/1/change/",
        {**_form(), "logo_file": SimpleUploadedFile("logo.svg", svg, "image/png")},
    )
    assert "The logo must be a PNG, JPEG or WebP image." in response.content.decode()
    assert Newsroom.objects.get().logo_type == ""


def test_an_accent_too_light_for_white_text_is_refused_with_the_reason(admin_client, harbour):
    # when the operator picks a yellow that white text cannot be read on
    response = admin_client.post("/admin/core/newsroom/1/change/", _form(accent="#f5c518"))

    # then the admin refuses it and says why
    page = response.content.decode()
    assert response.status_code == 200
    assert "#f5c518 against white text has a contrast of 1.63:1" in page
    assert "at least 4.5:1" in page
    assert Newsroom.objects.get().accent == "#1d4d2b"


def test_an_accent_dark_enough_is_served_as_the_pages_theme(admin_client, client, harbour):
    response = admin_client.post(
        "/admin/core/newsroom/1/change/", _form(accent="#a4161a", accent_dark="#ff8a80")
    )
    assert response.status_code == 302
    assert contrast_ratio("#a4161a", "#ffffff") >= 4.5

    page = client.get("/give/").content.decode()
    theme = re.search(r'<link rel="stylesheet" href="(/newsroom/theme.css[^"]*)"', page)
    assert theme is not None
    css = client.get(theme.group(1).replace("&amp;", "&")).content.decode()
    assert "--accent:#a4161a" in css and "--accent:#ff8a80" in css


def test_the_admin_holds_one_newsroom(admin_client, harbour):
    assert admin_client.get("/admin/core/newsroom/add/").status_code == 403
