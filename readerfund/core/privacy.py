"""A supporter's data rights across apps: every app that stores something about a person
registers a privacy step (in its AppConfig.ready); the supporters app runs them all for
an export or an erasure (readerfund.supporters.privacy). Core names no app.

An erasure runs in two phases: every step's `erase_prepare` first, outside any
transaction (e.g. cancelling a plan at its provider, which may refuse); then, in one
transaction, every step's `erase`. A step that raises ErasureBlocked in either phase
stops the erasure, and nothing is erased.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class ErasureBlocked(Exception):
    """A step could not do its part (e.g. a recurring plan could not be stopped at its
    provider), so nothing was erased; the message says why and what to do."""


@dataclass(frozen=True)
class DataSubject:
    """Whom an export or an erasure is about, as every app can find them."""

    supporter_id: int
    email: str  # lower-cased; for an erasure, the address before it is replaced
    language: str  # for formatted amounts in an export
    names: frozenset[str]  # casefolded names on the supporter's own record
    placeholder: str  # the undeliverable address that replaces theirs on erasure


class PrivacyStep:
    """What one app does for a supporter's data rights. Override what applies."""

    def export(self, subject: DataSubject) -> dict[str, Any]:
        """Sections of the supporter's export (JSON-ready), keyed by section name."""
        return {}

    def erase_prepare(self, subject: DataSubject) -> Any:
        """Outside the transaction, before anything is erased; may raise ErasureBlocked.
        What it returns is handed to `erase`."""
        return None

    def erase(self, subject: DataSubject, prepared: Any) -> None:
        """Inside the erasure's transaction: remove or replace what could name the person;
        keep amounts and dates. Must be idempotent."""


_steps: list[PrivacyStep] = []


def privacy_step_register(step: PrivacyStep) -> None:
    """Adds an app's step (call from AppConfig.ready; steps run in registration order)."""
    if not any(type(registered) is type(step) for registered in _steps):
        _steps.append(step)


def privacy_steps() -> tuple[PrivacyStep, ...]:
    return tuple(_steps)
