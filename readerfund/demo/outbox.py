"""The demo's outbox: in demo mode the emails readerfund sends are kept as files under the
data directory and shown at /demo/outbox/, so a visitor can follow a receipt's manage link
or a reminder. Never used outside demo mode (settings.py picks this backend only there)."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.core.mail.backends.base import BaseEmailBackend

KEPT = 200  # the newest; older ones are deleted as new ones arrive


def outbox_dir() -> Path:
    return Path(settings.DATA_DIR) / "demo-outbox"


def outbox_enabled() -> bool:
    return bool(settings.DEMO_SITE) and not settings.PRODUCTION


@dataclass(frozen=True)
class KeptEmail:
    id: str
    sent_at: float
    sender: str
    to: list[str]
    subject: str
    text: str
    html: str


class DemoOutboxBackend(BaseEmailBackend):
    """Writes each message as one JSON file; a message is sent when its file exists."""

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        folder = outbox_dir()
        folder.mkdir(parents=True, exist_ok=True)
        for message in email_messages:
            html = ""
            if isinstance(message, EmailMultiAlternatives):
                html = next((str(c) for c, kind in message.alternatives if kind == "text/html"), "")
            name = f"{time.time_ns()}-{uuid.uuid4().hex[:8]}"
            record = {
                "sent_at": time.time(), "sender": message.from_email, "to": list(message.to),
                "subject": str(message.subject), "text": str(message.body), "html": html,
            }  # fmt: skip
            temporary = folder / f".{name}.tmp"
            temporary.write_text(json.dumps(record), encoding="utf-8")
            temporary.rename(folder / f"{name}.json")  # whole or absent for a reader
        for old in sorted(folder.glob("*.json"))[:-KEPT]:
            old.unlink(missing_ok=True)
        return len(email_messages)


def outbox_list() -> list[KeptEmail]:
    """Newest first."""
    files = sorted(outbox_dir().glob("*.json"), reverse=True) if outbox_dir().exists() else []
    return [email for path in files if (email := outbox_get(path.stem)) is not None]


def outbox_get(email_id: str) -> KeptEmail | None:
    if not email_id.replace("-", "").isalnum():
        return None
    try:
        record = json.loads((outbox_dir() / f"{email_id}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return KeptEmail(
        email_id, record["sent_at"], record["sender"], record["to"], record["subject"],
        record["text"], record["html"],
    )  # fmt: skip
