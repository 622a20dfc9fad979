"""The "email me my link" message, and the task that decides in the worker whether to send
it (only to a supporter's address, at most a few an hour)."""

from __future__ import annotations

import datetime

from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_tasks import task

from readerfund.core.language import language_or_default, language_supported
from readerfund.core.mail import email_build, email_send
from readerfund.payments.emails import MANAGE_LINK_DAYS, manage_url
from readerfund.supporters.models import ManageLinkRequest, ManageLinkSent, Supporter

#: At most this many links to one address per hour; the rest are dropped silently, so the
#: answer to "email me my link" stays the same.
LINKS_PER_ADDRESS_PER_HOUR = 3


def manage_link_email(*, supporter: Supporter, language: str) -> EmailMultiAlternatives:
    """A manage link in the language the supporter asked in (else the one they gave in)."""
    if not language_supported(language):
        language = language_or_default(supporter.language)
    return email_build(
        to=supporter.email,
        language=language,
        subject=_("Your link to manage your support"),
        template="supporters/email/manage_link",
        context={
            "manage_url": manage_url(supporter_id=supporter.pk, language=language),
            "days": MANAGE_LINK_DAYS,
            "name": supporter.name,
        },
    )


def manage_link_deliver(*, request_id: int) -> bool:
    """Emails a manage link if the requested address is a supporter's and fewer than
    LINKS_PER_ADDRESS_PER_HOUR went to it in the last hour; forgets the request either
    way. True if a link was sent; EmailNotSent if the mail server refused it."""
    since = timezone.now() - datetime.timedelta(hours=1)
    with transaction.atomic():
        request = ManageLinkRequest.objects.select_for_update().filter(pk=request_id).first()
        if request is None:
            return False  # handled already (a task run twice)
        request.delete()
        # Locked: two workers handling two requests for one address count one after the
        # other, so the limit holds exactly.
        supporter = (
            Supporter.objects.select_for_update()
            .filter(email=request.email, erased_at__isnull=True)
            .first()
        )
        if supporter is None:
            return False
        sent = ManageLinkSent.objects.filter(supporter=supporter, sent_at__gte=since).count()
        if sent >= LINKS_PER_ADDRESS_PER_HOUR:
            return False
        ManageLinkSent.objects.create(supporter=supporter)
    email_send(
        manage_link_email(supporter=supporter, language=request.language),
        what=f"manage link for supporter {supporter.pk}",
    )
    return True


@task()
def manage_link_send(request_id: int) -> None:
    """Queued for every "email me my link" request; sends only to a supporter's address,
    and at most a few times an hour (manage_link_deliver)."""
    manage_link_deliver(request_id=request_id)
