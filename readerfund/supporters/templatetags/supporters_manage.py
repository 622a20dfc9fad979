"""`{% action_token %}`: the single-use token field of one form on the manage pages."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from readerfund.supporters.services import action_token_make

register = template.Library()


@register.simple_tag(takes_context=True)
def action_token(context: dict[str, Any]) -> SafeString:
    """A fresh token for each form: sending one form never spends another's."""
    token = action_token_make(supporter=context["supporter"])
    return format_html('<input type="hidden" name="action_token" value="{}">', token)
