"""A task the worker test enqueues: it leaves a file behind, proving it ran in the worker."""

from pathlib import Path

from django_tasks import task


@task()
def write_marker(path: str, text: str) -> None:
    Path(path).write_text(text)


@task()
def fail_once_on_the_database(path: str) -> None:
    """Fails with the error a restarting database gives, the first time only."""
    from django.db import OperationalError

    marker = Path(path)
    if not marker.exists():
        marker.write_text("failed once")
        raise OperationalError("terminating connection due to administrator command")
    marker.write_text("ran")
