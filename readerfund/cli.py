"""The `readerfund` console script: demo, serve, worker, manage, settings, backup, restore."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

from readerfund.config import ConfigurationError, is_production, markdown_table

# Django and readerfund's apps are imported inside the commands, on purpose: each command
# first sets the environment (READERFUND_ENV, settings module) that importing them reads.


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "readerfund.settings")
    import django

    django.setup()


def _prepare_database_and_static() -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)


def _start_worker_thread() -> None:
    """Runs the background-task worker inside the demo process (one box, one command)."""
    from django.utils.crypto import get_random_string

    from readerfund.core.periodic import periodic_tasks_ensure

    periodic_tasks_ensure()
    from readerfund.core.worker import ReaderfundWorker

    worker = ReaderfundWorker(
        queue_names=["*"],
        interval=1,
        batch=False,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=f"demo-{get_random_string(8)}",
        excluded_queue_names=[],
    )
    threading.Thread(target=worker.run, name="readerfund-worker", daemon=True).start()


def demo(host: str, port: int) -> None:
    os.environ["READERFUND_ENV"] = "demo"
    os.environ.setdefault("READERFUND_PUBLIC_URL", f"http://{host}:{port}")  # emailed links
    _setup_django()
    from django.conf import settings
    from django.core.servers.basehttp import run

    from readerfund.demo.server import DemoServer
    from readerfund.demo.services import demo_seed

    print(f"readerfund demo: data in {settings.DATA_DIR}", flush=True)
    _prepare_database_and_static()
    # Imported after collectstatic: whitenoise indexes the static files when it starts.
    from readerfund.wsgi import application

    admin = demo_seed()
    _start_worker_thread()
    base = f"http://{host}:{port}"
    print(
        f"\n  Demo newsroom:  {base}/demo/\n"
        f"  Russian:        {base}/demo/ru/\n"
        f"  Admin:          {base}/admin/\n"
        f"  Admin user:     {admin.username}\n"
        f"  Admin password: {admin.password}\n\n"
        "  Press Ctrl-C to stop.\n",
        flush=True,
    )
    # Ctrl-C and SIGTERM both stop the demo cleanly, even when started in the background
    # (where a shell may have set SIGINT to "ignore").
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        run(host, port, application, ipv6=":" in host, threading=True, server_cls=DemoServer)  # type: ignore[arg-type]
    except KeyboardInterrupt:
        print("\nreaderfund demo stopped.", flush=True)


#: Django deploy checks (`check --deploy`) that stop a production start: a guessable
#: SECRET_KEY (it signs manage links and the sandbox's events), DEBUG, no ALLOWED_HOSTS.
#: Other deploy warnings are printed and left to the operator.
REFUSED_DEPLOY_CHECKS = frozenset(
    {"security.W009", "security.W018", "security.W020", "security.W025"}
)


def _deploy_checks() -> None:
    """Runs every system check with Django's deploy checks, prints what they found and
    raises ConfigurationError on errors and on REFUSED_DEPLOY_CHECKS."""
    from django.conf import settings
    from django.core import checks

    issues = checks.run_checks(include_deployment_checks=True)
    for issue in issues:
        if issue.id not in settings.SILENCED_SYSTEM_CHECKS:
            print(f"readerfund: {issue}", file=sys.stderr, flush=True)
    refused = [i for i in issues if i.is_serious() or i.id in REFUSED_DEPLOY_CHECKS]
    if refused:
        found = "; ".join(f"{issue.id}: {issue.msg}" for issue in refused)
        if any(issue.id in {"security.W009", "security.W025"} for issue in refused):
            found += (
                ' Make a key with: python -c "import secrets; print(secrets.token_urlsafe(50))"'
            )
        raise ConfigurationError(f"production refuses to start: {found}")


def serve(host: str, port: int, migrate: bool) -> None:
    os.environ["READERFUND_ENV"] = "production"
    _setup_django()
    from django.core.management import call_command

    from readerfund.config import env_value

    _deploy_checks()
    if migrate:
        call_command("migrate", interactive=False, verbosity=1)
    call_command("collectstatic", interactive=False, verbosity=0)
    from readerfund.core.metrics import metrics_multiprocess_prepare

    metrics_multiprocess_prepare()  # request counters summed over gunicorn's processes
    workers = env_value("WEB_CONCURRENCY")
    argv = [
        sys.executable, "-m", "gunicorn", "readerfund.wsgi:application",
        "--bind", f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
        "--workers", workers,
        "--threads", "4",
        "--access-logfile", "-",
        "--forwarded-allow-ips", "*",
    ]  # fmt: skip
    print(f"readerfund: serving on {host}:{port} with {workers} workers", flush=True)
    os.execv(sys.executable, argv)  # noqa: S606 (replace this process with gunicorn)


def worker(extra: Sequence[str]) -> None:
    _setup_django()
    from readerfund.core.worker import worker_main

    if is_production():  # it signs the links it emails: the same refusals as `serve`
        _deploy_checks()

    worker_main(extra)  # waits for the database, then queues the periodic tasks and runs


def manage(extra: Sequence[str]) -> None:
    _setup_django()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["readerfund manage", *extra])


def backup_or_restore(command: str, path: str) -> None:
    """`readerfund backup PATH` and `readerfund restore PATH` (docs/backup.md)."""
    _setup_django()
    from readerfund.core.backup import BackupError, backup_create, backup_restore

    try:
        if command == "backup":
            manifest = backup_create(destination=Path(path))
            print(f"readerfund: {manifest.vendor} snapshot written to {path}")
            print(f"Keep these settings separately: {', '.join(manifest.secrets_kept_separately)}")
        else:
            manifest = backup_restore(source=Path(path))
            print(f"readerfund: restored the snapshot of {manifest.created_at} from {path}")
            print("Next: `readerfund manage migrate`, then start the servers and workers.")
    except BackupError as error:
        print(f"readerfund {command}: {error}", file=sys.stderr)
        sys.exit(1)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="readerfund", description="Reader revenue for independent newsrooms."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    demo_parser = commands.add_parser("demo", help="run the demo newsroom (SQLite, no keys)")
    demo_parser.add_argument("--host", default="127.0.0.1")
    demo_parser.add_argument("--port", type=int, default=8000)
    serve_parser = commands.add_parser("serve", help="run the production server (gunicorn)")
    serve_parser.add_argument("--host", default="127.0.0.1")
    serve_parser.add_argument("--port", type=int, default=8000)
    serve_parser.add_argument(
        "--migrate", action="store_true", help="apply database migrations before serving"
    )
    commands.add_parser("worker", help="run the background-task worker", add_help=False)
    commands.add_parser("manage", help="run a Django management command", add_help=False)
    commands.add_parser("campaigns", help="campaigns as code: dump | load FILE", add_help=False)
    commands.add_parser("settings", help="print the table of environment settings")
    commands.add_parser("backup", help="write a snapshot to PATH").add_argument("path")
    commands.add_parser("restore", help="restore PATH into an empty database").add_argument("path")
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    try:
        # worker and manage pass everything after their name straight through.
        if args_list and args_list[0] in {"worker", "manage"}:
            {"worker": worker, "manage": manage}[args_list[0]](args_list[1:])
            return
        if args_list and args_list[0] == "campaigns":
            manage(args_list)
            return
        args = parser.parse_args(args_list)
        if args.command == "demo":
            demo(args.host, args.port)
        elif args.command == "serve":
            serve(args.host, args.port, args.migrate)
        elif args.command == "settings":
            print(markdown_table())
        elif args.command in {"backup", "restore"}:
            backup_or_restore(args.command, args.path)
    except ConfigurationError as error:
        print(f"readerfund: configuration error: {error}", file=sys.stderr)
        sys.exit(2)
