"""A supporter's crypto pledges in their export, and stopped on erasure (no more emails)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from readerfund.core.privacy import DataSubject, PrivacyStep
from readerfund.payments.providers.btcpay.models import Pledge, PledgeStatus


class PledgePrivacy(PrivacyStep):
    def export(self, subject: DataSubject) -> dict[str, Any]:
        pledges = Pledge.objects.filter(supporter_id=subject.supporter_id).order_by("pk")
        return {
            "crypto_pledges": [
                {
                    "amount": p.amount,
                    "currency": p.currency,
                    "frequency": p.frequency,
                    "status": p.status,
                    "started_at": p.started_at.isoformat(),
                    "next_invoice_on": p.next_due.isoformat(),
                }
                for p in pledges
            ]
        }

    def erase(self, subject: DataSubject, prepared: Any) -> None:
        Pledge.objects.filter(supporter_id=subject.supporter_id, status=PledgeStatus.ACTIVE).update(
            status=PledgeStatus.STOPPED, stopped_at=timezone.now()
        )
