"""Engine construction and schema migration (Alembic, run programmatically).

:func:`open_database` is how a process opens its database: one engine, migrated once. Several
workers (or a node and an ingest) may start at the same moment against the same database, so the
migration is serialised (a PostgreSQL advisory lock; a lock file beside a SQLite file) and
retried on the errors a concurrent migrator can still cause.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import time
from collections.abc import Iterator
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)

_MIGRATIONS = Path(__file__).parent / "migrations"
#: Key of the PostgreSQL advisory lock held while migrating (any constant shared by all onemg).
_PG_MIGRATION_LOCK = 0x6F6E656D67  # "onemg"


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """Create an engine for ``url`` with the settings onemg relies on.

    SQLite gets WAL journaling (readers never block the writer) and enforced foreign keys.
    """
    if url.startswith("sqlite"):
        engine = create_engine(url, echo=echo, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # noqa: ANN001
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return create_engine(url, echo=echo, pool_pre_ping=True)


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """A session factory bound to ``engine`` that keeps objects usable after commit."""
    return sessionmaker(engine, expire_on_commit=False)


@contextlib.contextmanager
def _sqlite_file_lock(engine: Engine) -> Iterator[None]:
    """Hold an exclusive lock file beside a SQLite database file (other processes wait)."""
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if not database or database == ":memory:":
        yield
        return
    lock = Path(database).with_name(Path(database).name + ".migrate.lock")
    with lock.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _lock_for_migration(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        # Released with the transaction: a second migrator waits here, then finds the head.
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK})


def migrate(engine: Engine, *, revision: str = "head") -> None:
    """Bring the schema behind ``engine`` up to ``revision`` with Alembic.

    Concurrent calls from other processes against the same database wait for each other.
    """
    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    with _sqlite_file_lock(engine), engine.begin() as conn:
        _lock_for_migration(conn)
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def open_database(url: str, *, attempts: int = 5, retry_s: float = 0.5) -> Engine:
    """Open the database at ``url`` for this process: one engine, schema migrated to head.

    Call it once per process (the app factories and CLI commands do) and pass the engine down.
    A migration that fails the way a concurrent migrator can make it fail (a table or a
    version row that appeared meanwhile, a locked SQLite file) is retried ``attempts`` times,
    ``retry_s`` apart; by then the other migrator has finished and there is nothing left to do.

    Raises:
        sqlalchemy.exc.DBAPIError: the database stays unreachable or the migration keeps
            failing.
    """
    url_obj = make_url(url)
    if url_obj.get_backend_name() == "sqlite" and url_obj.database not in (None, "", ":memory:"):
        Path(url_obj.database).parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(url)
    for attempt in range(1, attempts + 1):
        try:
            migrate(engine)
            return engine
        except DBAPIError as exc:
            if attempt == attempts:
                engine.dispose()
                raise
            log.warning(
                "migrating %s failed (%s); another process may be migrating it, retrying",
                url_obj.render_as_string(hide_password=True),
                exc.orig.__class__.__name__,
            )
            time.sleep(retry_s * attempt)
    raise AssertionError("unreachable")
def schema_revision(engine: Engine) -> tuple[str | None, str]:
    """``(revision the database is at, newest revision this onemg ships)``; None if unmigrated."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    head = ScriptDirectory.from_config(cfg).get_current_head() or ""
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
    return current, head
