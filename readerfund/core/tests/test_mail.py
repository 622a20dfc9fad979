"""email_send: a message that leaves is sent as usual; one that fails raises an error
that names the message and the kind of failure, and nothing of the recipient."""

from __future__ import annotations

import logging
import traceback

import pytest
from django.core import mail
from django.core.mail import EmailMessage
from django.utils.translation import gettext_lazy

from readerfund.core.mail import EmailNotSent, email_build, email_send
from readerfund.core.tests.mail_backends import RefusesEveryRecipient

READER = "refused.reader@example.org"


def test_a_message_that_leaves_is_sent(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

    email_send(EmailMessage("Hello", "Text", to=[READER]), what="greeting 1")

    assert [m.to for m in mail.outbox] == [[READER]]


def test_a_refused_message_raises_an_error_that_does_not_name_the_recipient(caplog):
    message = EmailMessage("Hello", "Text", to=[READER])

    with (
        caplog.at_level(logging.INFO, logger="readerfund"),
        pytest.raises(EmailNotSent) as raised,
    ):
        email_send(message, what="greeting 7", connection=RefusesEveryRecipient())

    error = raised.value
    assert str(error) == "greeting 7 not sent: SMTPRecipientsRefused"
    # neither the server's error nor its traceback travels with it
    assert (error.__cause__, error.__context__) == (None, None)
    printed = "".join(traceback.format_exception(error))
    assert "EmailNotSent: greeting 7 not sent: SMTPRecipientsRefused" in printed
    assert "refused.reader" not in printed
    assert "greeting 7 not sent: SMTPRecipientsRefused" in caplog.text
    assert "refused.reader" not in caplog.text


def test_an_error_while_handling_another_does_not_carry_the_refusal(caplog):
    # as when the caller reopens its connection after a refusal, and that fails too
    with pytest.raises(ConnectionError) as raised:
        try:
            email_send(
                EmailMessage("Hello", "Text", to=[READER]),
                what="greeting 8",
                connection=RefusesEveryRecipient(),
            )
        except EmailNotSent:
            raise ConnectionError("mail server gone")  # noqa: B904 (the chain is the point)

    printed = "".join(traceback.format_exception(raised.value))
    assert "greeting 8 not sent" in printed
    assert "refused.reader" not in printed


@pytest.fixture
def note_templates(settings):
    settings.TEMPLATES = [
        {
            "BACKEND": "django.template.backends.django.DjangoTemplates",
            "OPTIONS": {
                "loaders": [
                    (
                        "django.template.loaders.locmem.Loader",
                        {
                            "note.txt": "{% load i18n %}{% translate 'Email' %}: {{ who }}",
                            "note.html": "{% load i18n %}<p>{% translate 'Email' %}: {{ who }}</p>",
                        },
                    )
                ]
            },
        }
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "word"), [("ru", "Электронная почта"), ("en", "Email"),
                                                ("de", "Email")])  # fmt: skip
def test_a_built_email_has_text_html_and_subject_in_the_language(note_templates, language, word):
    message = email_build(
        to=READER, language=language, subject=gettext_lazy("Email"), template="note",
        context={"who": "A & B"}, headers={"Auto-Submitted": "auto-generated"},
    )  # fmt: skip

    assert message.to == [READER]
    assert message.subject == word
    assert message.body == f"{word}: A &amp; B"
    assert message.alternatives[0] == (f"<p>{word}: A &amp; B</p>", "text/html")
    assert message.extra_headers == {"Auto-Submitted": "auto-generated"}
