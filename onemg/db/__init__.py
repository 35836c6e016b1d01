"""Database engine, sessions and migrations shared by every SQL-backed store."""

from onemg.db.base import Base
from onemg.db.engine import (
    make_engine,
    make_sessionmaker,
    migrate,
    open_database,
    schema_revision,
)

__all__ = [
    "Base",
    "make_engine",
    "make_sessionmaker",
    "migrate",
    "open_database",
    "schema_revision",
]
