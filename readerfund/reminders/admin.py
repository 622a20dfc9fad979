"""Reminders in the admin: the readers' reminders (read-only, searchable, exportable) and
the dates the form offers besides "next month" and "in three months"."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from readerfund.core.csv_export import export_csv
from readerfund.reminders.models import Reminder, ReminderDate


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin[Reminder]):
    """Reminders are written by readers and the worker; the operator looks and exports
    (erasing an address goes through the supporter's data-rights actions)."""

    list_display = (
        "email",
        "remind_on",
        "status",
        "language",
        "campaign",
        "variant",
        "created_at",
        "sent_at",
    )
    list_filter = ("status", "language", "remind_on", "campaign")
    search_fields = ("email",)
    date_hierarchy = "remind_on"
    ordering = ("-created_at",)
    actions = [export_csv]
    csv_fields = list_display

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ReminderDate)
class ReminderDateAdmin(admin.ModelAdmin[ReminderDate]):
    list_display = ("date", "label_en", "label_ru", "active")
    list_editable = ("active",)
    list_filter = ("active",)
    search_fields = ("label_en", "label_ru")
    actions = [export_csv]
    csv_fields = list_display
