"""The bank transfer's action on the Contributions list: an admin who sees transfers on the
statement marks them received (or imports the statement: payments.statements)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from readerfund.payments.models import Contribution, ContributionStatus
from readerfund.payments.services import transfer_mark_received


@admin.action(description=_("Mark the selected bank transfers as received"))
def mark_received(
    modeladmin: admin.ModelAdmin[Any], request: HttpRequest, queryset: QuerySet[Contribution]
) -> None:
    pending = queryset.filter(status=ContributionStatus.PENDING, provider="bank_transfer")
    marked = sum(transfer_mark_received(contribution_id=c.pk) for c in pending)
    modeladmin.message_user(
        request,
        ngettext("%(n)d transfer marked received.", "%(n)d transfers marked received.", marked)
        % {"n": marked},
        messages.SUCCESS,
    )
