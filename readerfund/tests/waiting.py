"""Waiting on a condition in tests, never for a fixed time (machines are shared and slow)."""

from __future__ import annotations

import time
from collections.abc import Callable

# localstripe posts each event about a second after it happens; a loaded machine is slower.
WEBHOOK_WAIT = 15.0


def wait_for(condition: Callable[[], bool], what: str, timeout: float = WEBHOOK_WAIT) -> None:
    """Polls until condition() holds; fails the test naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout:.0f} s for {what}")
        time.sleep(0.2)
