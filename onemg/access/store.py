"""SQL persistence of the access capability (the only access module that imports SQLAlchemy).

Each store wraps one table group and returns frozen records, so services never hold ORM objects.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, case, delete, insert, or_, select, update
from sqlalchemy import exc as sa_exc

from onemg.access.erasure import erase_account_rows
from onemg.access.models import (
    Account,
    AuditEntry,
    Entitlement,
    Event,
    LoginThrottle,
    Role,
    SiteRole,
)
from onemg.db import make_sessionmaker
from onemg.errors import ConflictError, NotFoundError


@dataclass(frozen=True)
class AccountRecord:
    """A hub account as stored (the password hash never leaves the accounts service)."""

    sub: str
    username: str
    password_hash: str
    affiliation: str | None
    is_admin: bool
    researcher_status_at: int | None
    researcher_status_by: str | None
    terms_accepted_at: int | None
    created_at: int
    email: str | None = None
    email_verified_at: int | None = None


@dataclass(frozen=True)
class StoredEvent:
    """One application event."""

    application_id: str
    seq: int
    at: int
    actor: str
    kind: str
    data: dict[str, Any]


@dataclass(frozen=True)
class EntitlementRecord:
    """A subject's right to a dataset from ``start`` until ``end`` (unless revoked)."""

    id: int
    application_id: str
    subject: str
    dataset_id: str
    start: int
    end: int
    revoked_at: int | None
    revoked_reason: str | None

    def active(self, now: int) -> bool:
        """True when the entitlement is in force at ``now``."""
        return self.revoked_at is None and self.start <= now < self.end


@dataclass(frozen=True)
class AuditRecord:
    """One audit log row."""

    seq: int
    at: str
    user: str | None
    action: str
    resource: str
    result: str
    reason: str
    origin: str | None
    prev_hash: str
    hash: str


def _account(row: Account) -> AccountRecord:
    return AccountRecord(row.sub, row.username, row.password_hash, row.affiliation, row.is_admin,
                         row.researcher_status_at, row.researcher_status_by,
                         row.terms_accepted_at, row.created_at, row.email,
                         row.email_verified_at)


def _entitlement(row: Entitlement) -> EntitlementRecord:
    return EntitlementRecord(row.id, row.application_id, row.subject, row.dataset_id, row.start,
                             row.end, row.revoked_at, row.revoked_reason)


class AccountStore:
    """Local hub accounts."""

    def __init__(self, engine: Engine) -> None:
        self._session = make_sessionmaker(engine)

    def add(self, record: AccountRecord) -> None:
        """Insert a new account.

        Raises:
            ConflictError: the username or subject is taken.
        """
        try:
            with self._session.begin() as s:
                s.add(Account(**record.__dict__))
        except sa_exc.IntegrityError as exc:
            raise ConflictError(f"username {record.username!r} is already taken") from exc

    def by_username(self, username: str) -> AccountRecord | None:
        """The account called ``username``, if any."""
        with self._session() as s:
            row = s.scalar(select(Account).where(Account.username == username))
            return _account(row) if row else None

    def by_sub(self, sub: str) -> AccountRecord | None:
        """The account with subject ``sub``, if any."""
        with self._session() as s:
            row = s.get(Account, sub)
            return _account(row) if row else None

    def update(self, sub: str, **values: Any) -> None:
        """Set columns of account ``sub``.

        Raises:
            NotFoundError: no such account.
        """
        with self._session.begin() as s:
            result = s.execute(update(Account).where(Account.sub == sub).values(**values))
            if result.rowcount == 0:
                raise NotFoundError(f"no account with subject {sub!r}")

    def delete(self, sub: str) -> None:
        """Remove account ``sub`` with the rows that :mod:`onemg.access.erasure` erases with it
        (its sessions, basket, watches, system roles), in one transaction."""
        with self._session.begin() as s:
            erase_account_rows(s.connection(), sub)

    def all(self) -> list[AccountRecord]:
        """Every account, by username."""
        with self._session() as s:
            return [_account(r) for r in s.scalars(select(Account).order_by(Account.username))]


class SiteRoleStore:
    """The hub's site roles (see :mod:`onemg.access.site_roles`)."""

    def __init__(self, engine: Engine) -> None:
        self._session = make_sessionmaker(engine)

    def grant(self, sub: str, role: str, *, at: int) -> None:
        """Give ``sub`` the ``role`` (idempotent)."""
        with self._session.begin() as s:
            if s.get(SiteRole, (sub, role)) is None:
                s.add(SiteRole(sub=sub, role=role, granted_at=at))

    def revoke(self, sub: str, role: str) -> None:
        """Take ``role`` from ``sub`` (idempotent)."""
        with self._session.begin() as s:
            s.execute(delete(SiteRole).where(SiteRole.sub == sub, SiteRole.role == role))

    def roles_of(self, sub: str) -> frozenset[str]:
        """The site roles ``sub`` holds."""
        with self._session() as s:
            return frozenset(s.scalars(select(SiteRole.role).where(SiteRole.sub == sub)))

    def holders(self, role: str) -> list[str]:
        """The subjects holding ``role``."""
        with self._session() as s:
            return list(s.scalars(select(SiteRole.sub).where(SiteRole.role == role)
                                  .order_by(SiteRole.sub)))

    def forget(self, sub: str) -> None:
        """Drop every role of ``sub`` (account deletion)."""
        with self._session.begin() as s:
            s.execute(delete(SiteRole).where(SiteRole.sub == sub))


class RoleStore:
    """DAC roles per subject on a node."""

    def __init__(self, engine: Engine) -> None:
        self._session = make_sessionmaker(engine)

    def grant(self, subject: str, role: str) -> None:
        """Give ``subject`` the role (idempotent)."""
        with self._session.begin() as s:
            if s.get(Role, (subject, role)) is None:
                s.add(Role(subject=subject, role=role))

    def revoke(self, subject: str, role: str) -> None:
        """Take the role away (idempotent)."""
        with self._session.begin() as s:
            row = s.get(Role, (subject, role))
            if row is not None:
                s.delete(row)

    def roles_of(self, subject: str) -> frozenset[str]:
        """The roles ``subject`` holds."""
        with self._session() as s:
            return frozenset(s.scalars(select(Role.role).where(Role.subject == subject)))

    def all(self) -> list[tuple[str, str]]:
        """Every (subject, role) pair."""
        with self._session() as s:
            rows = s.execute(select(Role.subject, Role.role).order_by(Role.subject, Role.role))
            return [(a, b) for a, b in rows]


class EventStore:
    """The append-only application event log."""

    def __init__(self, engine: Engine) -> None:
        self._session = make_sessionmaker(engine)

    def append(self, event: StoredEvent) -> None:
        """Append ``event``; its ``seq`` must be the next one for its application.

        Raises:
            ConflictError: another writer appended first (optimistic concurrency); retry.
        """
        try:
            with self._session.begin() as s:
                s.add(Event(application_id=event.application_id, seq=event.seq, at=event.at,
                            actor=event.actor, kind=event.kind,
                            data=json.dumps(event.data, sort_keys=True)))
        except sa_exc.IntegrityError as exc:
            raise ConflictError(
                f"application {event.application_id} changed concurrently; reload and retry"
            ) from exc

    def events(self, application_id: str) -> list[StoredEvent]:
        """Every event of one application, in order."""
        with self._session() as s:
            rows = s.scalars(select(Event).where(Event.application_id == application_id)
                             .order_by(Event.seq))
            return [StoredEvent(r.application_id, r.seq, r.at, r.actor, r.kind,
                                json.loads(r.data)) for r in rows]

    def application_ids(self) -> list[str]:
        """Every application id, oldest first."""
        with self._session() as s:
            rows = s.execute(select(Event.application_id).where(Event.seq == 1)
                             .order_by(Event.id))
            return [r[0] for r in rows]


class EntitlementStore:
    """Entitlements created by approvals."""

    def __init__(self, engine: Engine) -> None:
        self._session = make_sessionmaker(engine)

    def add(self, *, application_id: str, subject: str, dataset_id: str, start: int,
            end: int) -> None:
        """Record a new entitlement."""
        with self._session.begin() as s:
            s.add(Entitlement(application_id=application_id, subject=subject,
                              dataset_id=dataset_id, start=start, end=end))

    def revoke_application(self, application_id: str, *, at: int, reason: str) -> int:
        """Revoke every open entitlement of one application; returns how many."""
        with self._session.begin() as s:
            result = s.execute(
                update(Entitlement)
                .where(Entitlement.application_id == application_id,
                       Entitlement.revoked_at.is_(None))
                .values(revoked_at=at, revoked_reason=reason)
            )
            return result.rowcount

    def find(self, *, subject: str | None = None, dataset_id: str | None = None,
             application_id: str | None = None) -> list[EntitlementRecord]:
        """Entitlements matching every given filter, oldest first."""
        query = select(Entitlement).order_by(Entitlement.id)
        if subject is not None:
            query = query.where(Entitlement.subject == subject)
        if dataset_id is not None:
            query = query.where(Entitlement.dataset_id == dataset_id)
        if application_id is not None:
            query = query.where(Entitlement.application_id == application_id)
        with self._session() as s:
            return [_entitlement(r) for r in s.scalars(query)]


class AuditStore:
    """Rows of the hash-chained audit log (the chain logic lives in ``audit.py``)."""

    def __init__(self, engine: Engine) -> None:
        self._session = make_sessionmaker(engine)

    def last(self) -> AuditRecord | None:
        """The newest entry."""
        with self._session() as s:
            row = s.scalar(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1))
            return _audit(row) if row else None

    def append(self, record: AuditRecord) -> None:
        """Insert ``record``.

        Raises:
            ConflictError: an entry with that ``seq`` exists (a concurrent writer); retry.
        """
        try:
            with self._session.begin() as s:
                s.add(AuditEntry(**record.__dict__))
        except sa_exc.IntegrityError as exc:
            raise ConflictError(f"audit entry {record.seq} already written") from exc

    def append_many(self, records: Sequence[AuditRecord]) -> None:
        """Insert ``records`` (consecutive ``seq``) in ONE transaction: all of them or none.

        Raises:
            ConflictError: one of the ``seq`` exists (a concurrent writer); nothing was written,
                retry on the new head.
        """
        if not records:
            return
        try:
            with self._session.begin() as s:
                # Core executemany: a fraction of the ORM's per-row cost (the writer thread
                # shares the GIL with the request path).
                s.execute(insert(AuditEntry), [r.__dict__ for r in records])
        except sa_exc.IntegrityError as exc:
            raise ConflictError(
                f"audit entries {records[0].seq}..{records[-1].seq} overlap a concurrent writer"
            ) from exc

    def entries(self, *, batch: int = 1000) -> Iterator[AuditRecord]:
        """Every entry in ``seq`` order, read in batches."""
        after = -1
        while True:
            with self._session() as s:
                rows = list(s.scalars(select(AuditEntry).where(AuditEntry.seq > after)
                                      .order_by(AuditEntry.seq).limit(batch)))
            if not rows:
                return
            for row in rows:
                yield _audit(row)
            after = rows[-1].seq

    def about(self, resource: str, *, limit: int = 200) -> list[AuditRecord]:
        """The latest entries on ``resource`` or below it (``resource/...``), newest first."""
        below = AuditEntry.resource.startswith(resource + "/", autoescape=True)
        q = (select(AuditEntry).where(or_(AuditEntry.resource == resource, below))
             .order_by(AuditEntry.seq.desc()).limit(limit))
        with self._session() as s:
            return [_audit(row) for row in s.scalars(q)]


def _audit(row: AuditEntry) -> AuditRecord:
    return AuditRecord(row.seq, row.at, row.user, row.action, row.resource, row.result,
                       row.reason, row.origin, row.prev_hash, row.hash)


def revoke_dataset_entitlements(engine: Engine, dataset_id: str, *, at: int, reason: str) -> int:
    """Revoke every open entitlement to one dataset (all applications); returns how many."""
    with make_sessionmaker(engine).begin() as s:
        result = s.execute(
            update(Entitlement)
            .where(Entitlement.dataset_id == dataset_id, Entitlement.revoked_at.is_(None))
            .values(revoked_at=at, revoked_reason=reason)
        )
        return result.rowcount


@dataclass(frozen=True)
class ThrottleRecord:
    """Failed logins counted under one key, and until when that key is locked out."""

    key: str
    failures: int
    last_failure: int
    locked_until: int


class ThrottleStore:
    """Failed-login counters in the database, so every worker process sees the same ones."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._session = make_sessionmaker(engine)

    def get(self, keys: Sequence[str]) -> list[ThrottleRecord]:
        """The records of ``keys`` that exist."""
        with self._session() as s:
            rows = s.scalars(select(LoginThrottle).where(LoginThrottle.key.in_(list(keys))))
            return [ThrottleRecord(r.key, r.failures, r.last_failure, r.locked_until)
                    for r in rows]

    def count_failure(self, key: str, *, now: int, window_s: int) -> int:
        """Add one failure to ``key`` (restarting the count after ``window_s`` quiet seconds).

        One atomic upsert, so concurrent workers never lose a failure. Returns the new count.
        """
        if self._engine.dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as upsert
        else:
            from sqlalchemy.dialects.sqlite import insert as upsert
        table = LoginThrottle.__table__
        stmt = upsert(table).values(key=key, failures=1, last_failure=now, locked_until=0)
        stmt = stmt.on_conflict_do_update(
            index_elements=[table.c.key],
            set_={"failures": case((table.c.last_failure < now - window_s, 1),
                                   else_=table.c.failures + 1),
                  "last_failure": now},
        ).returning(table.c.failures)
        with self._engine.begin() as conn:
            return int(conn.execute(stmt).scalar_one())

    def lock(self, key: str, *, until: int) -> None:
        """Lock ``key`` out until ``until`` (never shortens a longer lock)."""
        table = LoginThrottle.__table__
        with self._engine.begin() as conn:
            conn.execute(update(table).where(table.c.key == key, table.c.locked_until < until)
                         .values(locked_until=until))

    def clear(self, key: str) -> None:
        """Forget ``key``'s failures (after a successful login)."""
        with self._engine.begin() as conn:
            conn.execute(delete(LoginThrottle.__table__).where(LoginThrottle.key == key))
