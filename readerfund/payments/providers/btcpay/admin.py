"""Crypto pledges in the admin: read-only; readers stop them from their emails."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from readerfund.payments.providers.btcpay.models import Pledge


@admin.register(Pledge)
class PledgeAdmin(admin.ModelAdmin[Any]):
    list_display = [
        "started_at",
        "supporter",
        "amount",
        "currency",
        "frequency",
        "status",
        "next_due",
    ]
    list_filter = ["status", "frequency", "currency"]
    search_fields = ["supporter__email"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
