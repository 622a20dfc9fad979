"""Every string readerfund owns is translated to Russian, and the compiled catalogue is current."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from django.utils import translation
from django.utils.translation import gettext

from readerfund.payments.registry import providers_all

LOCALE_DIR = Path(__file__).resolve().parents[1] / "locale"
CATALOGUES = sorted(LOCALE_DIR.glob("*/LC_MESSAGES/*.po"))


def test_there_is_a_russian_catalogue():
    assert LOCALE_DIR / "ru" / "LC_MESSAGES" / "django.po" in CATALOGUES


@pytest.mark.parametrize("po_path", CATALOGUES, ids=lambda path: str(path.relative_to(LOCALE_DIR)))
def test_every_message_is_translated(po_path):
    with po_path.open("rb") as handle:
        catalog = read_po(handle)
    untranslated = [
        message.id
        for message in catalog
        if message.id
        and (
            message.fuzzy
            or not all(message.string if isinstance(message.string, tuple) else [message.string])
        )
    ]
    assert untranslated == []


@pytest.mark.parametrize("po_path", CATALOGUES, ids=lambda path: str(path.relative_to(LOCALE_DIR)))
def test_compiled_catalogue_matches_its_source(po_path):
    with po_path.open("rb") as handle:
        catalog = read_po(handle)
    compiled = io.BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    assert po_path.with_suffix(".mo").read_bytes() == compiled.getvalue(), (
        "run scripts/messages --compile-only"
    )


def test_every_payment_method_is_named_in_russian():
    # the give page shows each method by its provider's label, through the catalogue
    with translation.override("ru"):
        untranslated = [p.label for p in providers_all() if gettext(p.label) == p.label]
    assert untranslated == []
