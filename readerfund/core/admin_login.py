"""The admin's sign-in, throttled: wrong passwords are counted per address and per user
name, and once either has LOGIN_FAILURES_ALLOWED in a window, every sign-in from that
address or for that name is refused — the right password too — until the window passes.
A password guesser then gets a handful of tries per quarter hour instead of thousands."""

from __future__ import annotations

from typing import Any

from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from readerfund.core.geo import client_ip
from readerfund.core.ratelimit import rate_counted, rate_exceeded

LOGIN_FAILURES_ALLOWED = 5
LOGIN_WINDOW = 15 * 60  # seconds


class ThrottledAdminAuthenticationForm(AdminAuthenticationForm):
    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "throttled": _("Too many failed sign-ins. Please wait 15 minutes before trying again."),
    }

    def _keys(self) -> list[tuple[str, str]]:
        username = str(self.data.get("username", "")).strip().lower()
        address = client_ip(self.request) if self.request is not None else ""
        return [("admin-login-ip", address), ("admin-login-user", username)]

    def clean(self) -> dict[str, Any]:
        keys = self._keys()
        # Checked before the password: a refused sign-in says nothing about it.
        if any(
            rate_exceeded(kind, value, limit=LOGIN_FAILURES_ALLOWED, window=LOGIN_WINDOW)
            for kind, value in keys
        ):
            raise ValidationError(self.error_messages["throttled"], code="throttled")
        try:
            return super().clean()
        except ValidationError as error:
            if error.code == "invalid_login":
                for kind, value in keys:
                    rate_counted(kind, value, limit=LOGIN_FAILURES_ALLOWED, window=LOGIN_WINDOW)
            raise
