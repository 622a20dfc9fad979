"""What other apps add to the playbook that the campaigns app compiles (docs/embed.md).

Apps register their parts in AppConfig.ready: an endpoint the embed calls or loads (the
reminder form's script, the events endpoint), or a section of the document (the funding
goal's figure). When something they publish changes, they send `playbook_stale`; the
campaigns app rebuilds the playbook after the transaction commits. Core names no app.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.dispatch import Signal

# Sent (no arguments) inside or outside a transaction when a registered part changed.
playbook_stale = Signal()

_endpoints: dict[str, Callable[[], str]] = {}
_sections: dict[str, Callable[[], Any]] = {}
_weights: list[Callable[[], dict[str, dict[str, float]]]] = []


def playbook_endpoint_register(name: str, url: Callable[[], str]) -> None:
    """`endpoints[name]` in the playbook: a URL, computed at each build (settings may move
    the static files)."""
    _endpoints[name] = url


def playbook_section_register(name: str, build: Callable[[], Any]) -> None:
    """A top-level key of the playbook, built from stored data at each build: one read,
    never a live computation (a page view costs the origin nothing)."""
    _sections[name] = build


def playbook_endpoints() -> dict[str, str]:
    return {name: url() for name, url in _endpoints.items()}


def playbook_sections() -> dict[str, Any]:
    return {name: build() for name, build in _sections.items()}


def playbook_weights_register(build: Callable[[], dict[str, dict[str, float]]]) -> None:
    """Weights that replace the variants' own in the playbook: `build()` returns
    {campaign id: {variant id: weight}} from stored data (one read at each build), e.g. the
    latest weights of an optimised campaign."""
    _weights.append(build)


def playbook_weights() -> dict[str, dict[str, float]]:
    merged: dict[str, dict[str, float]] = {}
    for build in _weights:
        merged.update(build())
    return merged
