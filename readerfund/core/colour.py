"""Colours an operator chooses, checked for contrast (WCAG 2.2, 1.4.3: 4.5:1 for text)."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

StrOrPromise = str | Promise

MINIMUM_CONTRAST = 4.5
WHITE = "#ffffff"
DARK_TEXT = "#111111"  # the text on an accent in dark mode (page.css --accent-fg)
_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")


def _luminance(colour: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast_ratio(first: str, second: str) -> float:
    """WCAG contrast ratio of two `#rrggbb` colours, from 1 to 21."""
    light, dark = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def _check(value: str, *, text: str, text_name: StrOrPromise) -> None:
    if not _HEX.match(value):
        raise ValidationError(_("Give the colour as #rrggbb, for example #0f2a4a."))
    ratio = contrast_ratio(value, text)
    if ratio < MINIMUM_CONTRAST:
        raise ValidationError(
            _(
                "%(colour)s against %(text)s text has a contrast of %(ratio).2f:1; readers "
                "need at least 4.5:1 to read the buttons. Choose a darker or lighter shade."
            ),
            params={"colour": value, "text": text_name, "ratio": ratio},
        )


def accent_validate(value: str) -> None:
    """The accent carries white text (buttons, the link back) in light mode."""
    _check(value, text=WHITE, text_name=_("white"))


def accent_dark_validate(value: str) -> None:
    """In dark mode the accent carries near-black text."""
    _check(value, text=DARK_TEXT, text_name=_("black"))
