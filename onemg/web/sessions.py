"""Browser sessions and CSRF tokens of the hub's web pages (server-side, in SQL).

The cookie carries only a random token; the table keeps its SHA-256, the account's subject and
the session's outstanding CSRF tokens. Each form gets a fresh single-use token: a form sent
without one, with an unknown one, or with one already used is refused. Logging in replaces the
session (no fixation); logging out deletes it.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine, delete, select, update

from onemg.db import make_sessionmaker
from onemg.web.tables import WebSession

SESSION_TTL_S = 8 * 3600
ANONYMOUS_TTL_S = 3600
#: Outstanding CSRF tokens kept per session (several tabs); the oldest drop out first.
MAX_CSRF = 32


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Session:
    """A live session: ``token`` is what the cookie holds; ``sub`` None until login."""

    token: str
    sub: str | None
    expires_at: int


class SessionStore:
    """SQL rows of :class:`Session` (the only web module that touches the table)."""

    def __init__(self, engine: Engine) -> None:
        self._session = make_sessionmaker(engine)

    def add(self, token_hash: str, sub: str | None, now: int, expires_at: int) -> None:
        """Insert a session."""
        with self._session.begin() as s:
            s.add(
                WebSession(
                    token_hash=token_hash, sub=sub, csrf="[]", created_at=now, expires_at=expires_at
                )
            )

    def get(self, token_hash: str) -> WebSession | None:
        """The row, if any."""
        with self._session() as s:
            row = s.get(WebSession, token_hash)
            if row is not None:
                s.expunge(row)
            return row

    def delete(self, token_hash: str) -> None:
        """Remove a session."""
        with self._session.begin() as s:
            s.execute(delete(WebSession).where(WebSession.token_hash == token_hash))

    def prune(self, now: int) -> None:
        """Drop expired sessions."""
        with self._session.begin() as s:
            s.execute(delete(WebSession).where(WebSession.expires_at < now))

    def update_csrf(self, token_hash: str, change: Callable[[list[str]], list[str] | None]) -> bool:
        """Apply ``change`` to the CSRF list atomically; ``change`` returns None to refuse."""
        with self._session.begin() as s:
            row = s.execute(
                select(WebSession).where(WebSession.token_hash == token_hash).with_for_update()
            ).scalar_one_or_none()
            if row is None:
                return False
            new = change(json.loads(row.csrf))
            if new is None:
                return False
            s.execute(
                update(WebSession)
                .where(WebSession.token_hash == token_hash)
                .values(csrf=json.dumps(new))
            )
            return True


class Sessions:
    """Creates, finds and ends sessions; issues and checks single-use CSRF tokens."""

    def __init__(self, store: SessionStore, *, clock: Callable[[], float] = time.time) -> None:
        self._store = store
        self._clock = clock

    def _now(self) -> int:
        return int(self._clock())

    def start(self, sub: str | None = None) -> Session:
        """A new session (anonymous unless ``sub``)."""
        now = self._now()
        if secrets.randbelow(50) == 0:
            self._store.prune(now)
        token = secrets.token_urlsafe(32)
        expires = now + (SESSION_TTL_S if sub else ANONYMOUS_TTL_S)
        self._store.add(_hash(token), sub, now, expires)
        return Session(token, sub, expires)

    def find(self, token: str | None) -> Session | None:
        """The live session behind a cookie value, if any."""
        if not token or len(token) > 100:
            return None
        row = self._store.get(_hash(token))
        if row is None or row.expires_at < self._now():
            return None
        return Session(token, row.sub, row.expires_at)

    def login(self, old: Session | None, sub: str) -> Session:
        """Replace ``old`` (if any) by a fresh authenticated session."""
        if old is not None:
            self._store.delete(_hash(old.token))
        return self.start(sub)

    def end(self, session: Session) -> None:
        """Log out."""
        self._store.delete(_hash(session.token))

    def issue_csrf(self, session: Session) -> str:
        """A new single-use CSRF token for one form."""
        token = secrets.token_urlsafe(24)
        self._store.update_csrf(_hash(session.token), lambda lst: [*lst, token][-MAX_CSRF:])
        return token

    def spend_csrf(self, session: Session | None, token: str | None) -> bool:
        """True (and the token is used up) when ``token`` was issued to ``session`` and unused."""
        if session is None or not token:
            return False

        def take(lst: list[str]) -> list[str] | None:
            if not any(secrets.compare_digest(token, t) for t in lst):
                return None
            return [t for t in lst if t != token]

        return self._store.update_csrf(_hash(session.token), take)
