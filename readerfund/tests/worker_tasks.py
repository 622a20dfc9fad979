"""A task the worker test enqueues: it leaves a file behind, proving it ran in the worker."""

from pathlib import Path

from django_tasks import task


@task()
def write_marker(path: str, text: str) -> None:
    Path(path).write_text(text)
