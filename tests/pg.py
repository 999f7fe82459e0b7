"""A throw-away PostgreSQL server for tests (a pytest plugin: ``pytest_plugins = ["pg"]``).

``postgres_server`` (session) runs initdb and pg_ctl from Debian's /usr/lib/postgresql/*/bin in a
temporary directory, listening on a free port on 127.0.0.1 only with trust authentication,
and stops it at the end of the session. PostgreSQL refuses to run as root, so as root the
binaries run as the ``postgres`` system user. ``postgres_url`` (function) is an emptied database.
Tests using them are skipped only when no initdb binary exists.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


def _bin_dir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _as_server_user(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


class PostgresMissing(RuntimeError):
    """No PostgreSQL server binaries on this machine."""


@contextmanager
def running_postgres(*, fsync: bool = False) -> Iterator[str]:
    """Run a private server for the block; yield its base URL ``postgresql://postgres@127.0.0.1:PORT``.

    ``fsync=False`` makes tests faster; benchmarks pass ``fsync=True`` for honest figures.
    """
    binaries = _bin_dir()
    if binaries is None:
        raise PostgresMissing("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb)")
    root = Path(tempfile.mkdtemp(prefix="dualrandom-pg-"))
    if os.geteuid() == 0:
        shutil.chown(root, user="postgres", group="postgres")
    data, log = root / "data", root / "server.log"
    port = _free_port()
    try:
        made = subprocess.run(
            _as_server_user([str(binaries / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust",
                             "-E", "UTF8", "--no-sync"]),
            capture_output=True, text=True,
        )  # fmt: skip
        if made.returncode != 0:
            raise RuntimeError(f"initdb failed:\n{made.stderr}")
        options = f"-c listen_addresses=127.0.0.1 -p {port} -k {root} -c fsync={'on' if fsync else 'off'}"
        started = subprocess.run(
            _as_server_user([str(binaries / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options, "-w",
                             "start"]),
            capture_output=True, text=True,
        )  # fmt: skip
        if started.returncode != 0:
            raise RuntimeError(
                f"PostgreSQL did not start:\n{log.read_text() if log.exists() else started.stderr}"
            )
        try:
            yield f"postgresql://postgres@127.0.0.1:{port}"
        finally:
            subprocess.run(
                _as_server_user([str(binaries / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]),
                capture_output=True,
            )  # fmt: skip
    finally:
        shutil.rmtree(root, ignore_errors=True)


def create_database(server_url: str, name: str) -> str:
    """Create an empty database on a server and return its URL."""
    import psycopg

    with psycopg.connect(f"{server_url}/postgres", autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    return f"{server_url}/{name}"


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A private PostgreSQL server for the session; skipped only when PostgreSQL is not installed."""
    try:
        with running_postgres() as url:
            yield url
    except PostgresMissing as missing:
        pytest.skip(f"{missing}; scripts/test.sh installs it")


@pytest.fixture(scope="session")
def postgres_database(postgres_server: str) -> str:
    """One database for the session's tests (creating a database per test takes a second)."""
    return create_database(postgres_server, f"tests_{os.getpid()}")


@pytest.fixture
def postgres_url(postgres_database: str) -> str:
    """The session's database, emptied: its ``public`` schema is dropped and re-created."""
    import psycopg

    with psycopg.connect(postgres_database, autocommit=True) as connection:
        connection.execute("DROP SCHEMA public CASCADE")
        connection.execute("CREATE SCHEMA public")
    return postgres_database
