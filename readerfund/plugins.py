"""Payment providers installed as Python packages: the `readerfund.payment_providers`
entry-point group.

Each entry point names the Django `AppConfig` of a provider package (a subclass of
`payments.providers.base.ProviderAppConfig`); settings add every one to INSTALLED_APPS, so
a provider's templates, static files, routes and admin load like any app's, and
`payments.registry` finds the providers among the installed apps. readerfund's own
providers are declared the same way, in its pyproject.toml. Nothing is imported here:
settings read this before Django has loaded any app.
"""

from __future__ import annotations

import tomllib
from importlib.metadata import entry_points
from pathlib import Path

GROUP = "readerfund.payment_providers"

_SOURCE_PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"


def _declared_in_source_tree() -> dict[str, str]:
    """The group as readerfund's pyproject.toml declares it, where readerfund runs from a
    source checkout: an editable install records entry points when it is installed, so a
    provider added to the checkout since then would otherwise be missing until reinstalled."""
    if not _SOURCE_PYPROJECT.is_file():
        return {}
    project = tomllib.loads(_SOURCE_PYPROJECT.read_text()).get("project", {})
    if project.get("name") != "readerfund":
        return {}
    declared: dict[str, str] = project.get("entry-points", {}).get(GROUP, {})
    return dict(declared)


def provider_apps() -> list[str]:
    """Dotted paths of the installed providers' AppConfigs, in the order of their names."""
    found = {ep.name: f"{ep.module}.{ep.attr}" for ep in entry_points(group=GROUP)}
    for name, value in _declared_in_source_tree().items():
        module, _, attr = value.partition(":")
        found.setdefault(name, f"{module}.{attr}")
    return [found[name] for name in sorted(found)]
