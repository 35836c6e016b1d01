"""``open_database``: one engine per process, migrated once, safe when workers start together.

Real databases only: a SQLite file and the suite's PostgreSQL cluster. Several processes (as
uvicorn workers do) and several threads open the same fresh database at the same moment; all of
them must succeed and leave exactly one schema at the head revision.
"""

from __future__ import annotations

import multiprocessing
import threading
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text

from onemg.db import make_engine, open_database

_MIGRATIONS = Path(__file__).resolve().parents[2] / "onemg" / "db" / "migrations"


def _head() -> str:
    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    head = ScriptDirectory.from_config(cfg).get_current_head()
    assert head
    return head


def _open_and_read_version(url: str) -> list[str]:
    engine = open_database(url)
    try:
        with engine.connect() as conn:
            return [r[0] for r in conn.execute(text("SELECT version_num FROM alembic_version"))]
    finally:
        engine.dispose()


def test_workers_starting_together_all_open_one_schema(db_url: str) -> None:
    ctx = multiprocessing.get_context("spawn")  # like uvicorn's workers: fresh interpreters
    with ProcessPoolExecutor(max_workers=4, mp_context=ctx) as pool:
        versions = list(pool.map(_open_and_read_version, [db_url] * 4))
    assert versions == [[_head()]] * 4
    engine = make_engine(db_url)
    try:
        tables = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert {"alembic_version", "access_audit"} <= tables


def test_threads_starting_together_all_open_one_schema(db_url: str) -> None:
    with ThreadPoolExecutor(max_workers=4) as pool:
        versions = list(pool.map(_open_and_read_version, [db_url] * 4))
    assert versions == [[_head()]] * 4


def test_a_second_migrator_waits_for_the_first(postgres_url: str) -> None:
    """While another process holds the migration lock, opening waits, then finds the head."""
    from onemg.db.engine import _PG_MIGRATION_LOCK

    holder = create_engine(postgres_url.replace("postgresql://", "postgresql+psycopg://", 1))
    done = threading.Event()
    result: list[list[str]] = []
    with holder.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _PG_MIGRATION_LOCK})
        worker = threading.Thread(
            target=lambda: (result.append(_open_and_read_version(postgres_url)), done.set())
        )
        worker.start()
        time.sleep(1.0)
        assert not done.is_set()  # waiting on the lock, not failing and not migrating twice
        conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _PG_MIGRATION_LOCK})
        conn.commit()
    worker.join(timeout=60)
    holder.dispose()
    assert result == [[_head()]]


def test_sqlite_second_migrator_waits_for_the_lock_file(tmp_path: Path) -> None:
    import fcntl

    db = tmp_path / "node.db"
    done = threading.Event()
    with (tmp_path / "node.db.migrate.lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        worker = threading.Thread(
            target=lambda: (_open_and_read_version(f"sqlite:///{db}"), done.set())
        )
        worker.start()
        time.sleep(1.0)
        assert not done.is_set()
        fcntl.flock(handle, fcntl.LOCK_UN)
    worker.join(timeout=60)
    assert done.is_set()


def test_open_database_creates_the_sqlite_folder(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new' / 'dir' / 'hub.db'}"
    assert _open_and_read_version(url) == [_head()]


@pytest.mark.parametrize("url", ["postgresql://nobody@127.0.0.1:1/none"])
def test_unreachable_database_fails_after_retries(url: str) -> None:
    from sqlalchemy.exc import OperationalError

    started = time.monotonic()
    with pytest.raises(OperationalError):
        open_database(url, attempts=2, retry_s=0.1)
    assert time.monotonic() - started < 30


async def test_a_node_worker_opens_one_engine(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    """The Beacon's catalogue, the access stores and the audit log share the worker's engine."""
    import httpx

    import onemg.db.engine as engine_module
    from onemg.settings import load_settings
    from onemg.web.node_app import create_node_app

    created = []
    real = engine_module.make_engine

    def counting(url: str, **kwargs):  # noqa: ANN202, ANN003 - wraps the real factory
        created.append(url)
        return real(url, **kwargs)

    monkeypatch.setattr(engine_module, "make_engine", counting)
    app = create_node_app(load_settings(tmp_path, environ={}))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://node") as client:
            r = await client.get("/api/individuals", params={"requestedGranularity": "count"})
            assert r.status_code == 200
            assert app.state.access().applications is not None  # access built: same engine
            app.state.audit.record(
                user="u", action="test", resource="r", result="ok", reason="", origin=None
            )
    assert created == [load_settings(tmp_path, environ={}).db_url]
