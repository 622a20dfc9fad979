"""A throwaway PostgreSQL server for tests that stop and start the database at will.

Debian's server binaries (`/usr/lib/postgresql/<version>/bin`) make a cluster in a
temporary directory, listening on loopback on a free port; the shared server on 5432 is
never touched. PostgreSQL refuses to run as root, so as root the server runs as the
`postgres` system user.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from readerfund.tests.processes import free_port


def server_binaries() -> Path | None:
    """The newest installed server's bin directory, or None when there is none."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: p.parts[-3])
    return found[-1].parent if found else None


class PostgresServer:
    def __init__(self, bin_dir: Path, directory: Path, port: int, user: str | None) -> None:
        self.bin_dir = bin_dir
        self.directory = directory
        self.port = port
        self.user = user  # run as this system user (when the tests run as root)

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, program: str, *args: str) -> None:
        command = [str(self.bin_dir / program), *args]
        if self.user:
            command = ["setpriv", f"--reuid={self.user}", f"--regid={self.user}",
                       "--clear-groups", *command]  # fmt: skip
        subprocess.run(command, check=True, capture_output=True, timeout=60, cwd=self.directory)

    def init(self) -> None:
        self._run("initdb", "--pgdata", str(self.directory / "data"), "--username", "postgres",
                  "--auth", "trust", "--no-sync", "--encoding", "UTF8")  # fmt: skip

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.directory} "
            "-c fsync=off -c full_page_writes=off"
        )
        self._run("pg_ctl", "--pgdata", str(self.directory / "data"), "--wait",
                  "--log", str(self.directory / "server.log"), "-o", options, "start")  # fmt: skip

    def stop(self) -> None:
        """Stops at once, dropping every connection (as a crash or a restart would)."""
        self._run("pg_ctl", "--pgdata", str(self.directory / "data"), "--wait",
                  "--mode", "immediate", "stop")  # fmt: skip


@contextmanager
def postgres_server() -> Iterator[PostgresServer]:
    """An initialised, stopped server; stopped and deleted afterwards."""
    bin_dir = server_binaries()
    if bin_dir is None:
        raise RuntimeError("PostgreSQL's server binaries are missing: apt-get install postgresql")
    directory = Path(tempfile.mkdtemp(prefix="readerfund-pg-"))
    user = "postgres" if os.geteuid() == 0 else None
    if user:
        account = pwd.getpwnam(user)
        os.chown(directory, account.pw_uid, account.pw_gid)
    server = PostgresServer(bin_dir, directory, free_port(), user)
    try:
        server.init()
        yield server
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):  # it was not running
            server.stop()
        shutil.rmtree(directory, ignore_errors=True)
