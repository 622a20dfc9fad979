"""The "email me my link" message, and the task that sends it from the worker.

(The task lives here rather than in tasks.py, which holds the data-retention job.)
"""

from __future__ import annotations

from django.core.mail import EmailMultiAlternatives
from django.utils.translation import gettext_lazy as _
from django_tasks import task

from readerfund.core.language import language_or_default, language_supported
from readerfund.core.mail import email_build
from readerfund.payments.emails import manage_url
from readerfund.supporters.models import Supporter


def manage_link_email(*, supporter: Supporter, language: str) -> EmailMultiAlternatives:
    """A manage link in the language the supporter asked in (else the one they gave in)."""
    if not language_supported(language):
        language = language_or_default(supporter.language)
    from readerfund.supporters.services import MANAGE_LINK_DAYS

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


@task()
def manage_link_send(request_id: int) -> None:
    """Queued for every "email me my link" request; sends only to a supporter's address,
    and at most a few times an hour (services.manage_link_deliver)."""
    from readerfund.supporters.services import manage_link_deliver

    manage_link_deliver(request_id=request_id)
