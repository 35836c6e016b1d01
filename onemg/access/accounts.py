"""Hub identities: local accounts (argon2id password hashes) and the OIDC extension point.

The demo hub logs users in with local accounts. Production hubs delegate authentication to an
external OpenID Connect provider such as LS AAI (Life Science Login): implement
:class:`IdentityProvider` (an authorisation-code + PKCE client that returns the provider's
pairwise ``sub``, e.g. ``<hex>@lifescience-ri.eu``) and hand it to the hub router instead of
:class:`LocalAccounts`. Everything downstream (passports, visas, DAC, audit) only sees the
pseudonymous :class:`Identity`, never a username, name or e-mail address.
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from onemg.access.store import AccountRecord, AccountStore
from onemg.errors import AuthenticationError, InvalidInputError, NotFoundError

_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
_AFFILIATION = re.compile(r"^[a-z][a-z0-9_.-]*@[a-z0-9.-]+$")
_EMAIL = re.compile(r"^[^@\s<>\"]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,63}$")


def check_email(address: str) -> str:
    """``address`` stripped, if it looks like a deliverable e-mail address.

    Raises:
        InvalidInputError: it does not (the message gives an example).
    """
    address = address.strip()
    if not _EMAIL.match(address):
        raise InvalidInputError(
            f"e-mail address {address!r} is not valid; write it like name@example.org")
    return address


@dataclass(frozen=True)
class Identity:
    """An authenticated person, as the rest of onemg sees them."""

    sub: str
    is_admin: bool = False
    researcher_status_at: int | None = None
    researcher_status_by: str | None = None
    terms_accepted_at: int | None = None
    affiliation: str | None = None


class IdentityProvider(Protocol):
    """Where the hub's logins come from (local accounts, or LS AAI via OIDC)."""

    def authenticate(self, username: str, password: str) -> Identity:
        """The identity behind the credentials; AuthenticationError when they are wrong."""
        ...

    def identity(self, sub: str) -> Identity:
        """The current identity (status and attributes) of subject ``sub``."""
        ...


def _identity(record: AccountRecord) -> Identity:
    return Identity(record.sub, record.is_admin, record.researcher_status_at,
                    record.researcher_status_by, record.terms_accepted_at, record.affiliation)


class LocalAccounts:
    """Local accounts with argon2id hashes; implements :class:`IdentityProvider`."""

    def __init__(self, store: AccountStore, *, clock: Callable[[], float] = time.time,
                 hasher: PasswordHasher | None = None) -> None:
        self._store = store
        self._clock = clock
        self._hasher = hasher or PasswordHasher()
        # Compared against when the username is unknown, so timing does not reveal accounts.
        self._dummy = self._hasher.hash(secrets.token_hex(8))

    def create(self, username: str, password: str, *, affiliation: str | None = None,
               is_admin: bool = False, email: str | None = None) -> Identity:
        """Create an account with a fresh pseudonymous subject.

        Raises:
            InvalidInputError: bad username, short password or malformed affiliation.
            ConflictError: the username is taken.
        """
        if not _USERNAME.match(username):
            raise InvalidInputError(
                f"username {username!r}: use 2-64 lowercase letters, digits, '.', '_' or '-'"
            )
        if len(password) < 12:
            raise InvalidInputError("password too short: use at least 12 characters")
        if affiliation is not None and not _AFFILIATION.match(affiliation):
            raise InvalidInputError(
                f"affiliation {affiliation!r} must look like role@organisation (e.g. member@uh.fi)"
            )
        record = AccountRecord(
            sub=secrets.token_hex(16), username=username,
            password_hash=self._hasher.hash(password), affiliation=affiliation,
            is_admin=is_admin, researcher_status_at=None, researcher_status_by=None,
            terms_accepted_at=None, created_at=int(self._clock()),
            email=check_email(email) if email is not None else None,
        )
        self._store.add(record)
        return _identity(record)

    def authenticate(self, username: str, password: str) -> Identity:
        """Check a username and password."""
        record = self._store.by_username(username)
        try:
            self._hasher.verify(record.password_hash if record else self._dummy, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            record = None
        if record is None:
            raise AuthenticationError("wrong username or password")
        if self._hasher.check_needs_rehash(record.password_hash):
            self._store.update(record.sub, password_hash=self._hasher.hash(password))
        return _identity(record)

    def identity(self, sub: str) -> Identity:
        """The identity of subject ``sub``."""
        record = self._store.by_sub(sub)
        if record is None:
            raise AuthenticationError("the account behind this token no longer exists")
        return _identity(record)

    def sub_of(self, username_or_sub: str) -> str:
        """Resolve a username (or a subject) to the subject."""
        record = self._store.by_username(username_or_sub) or self._store.by_sub(username_or_sub)
        if record is None:
            raise NotFoundError(f"no account {username_or_sub!r}; create it with "
                                "'onemg access user create'")
        return record.sub

    def grant_researcher_status(self, username_or_sub: str, *, by: str = "so") -> None:
        """An administrator vouches for bona fide researcher status (``by``: so or system)."""
        if by not in ("so", "system"):
            raise InvalidInputError("researcher status is granted by 'so' or 'system'")
        self._store.update(self.sub_of(username_or_sub),
                           researcher_status_at=int(self._clock()), researcher_status_by=by)

    def revoke_researcher_status(self, username_or_sub: str) -> None:
        """Withdraw researcher status."""
        self._store.update(self.sub_of(username_or_sub), researcher_status_at=None,
                           researcher_status_by=None)

    def accept_terms(self, sub: str) -> None:
        """Record that the user accepted the Registered Access terms."""
        self._store.update(sub, terms_accepted_at=int(self._clock()))

    def set_email(self, sub: str, address: str | None, *, verified: bool) -> None:
        """Set (or clear) the e-mail address of ``sub``; ``verified`` once its owner confirmed it.

        Changing the address clears the verification unless ``verified`` is given again.
        """
        checked = check_email(address) if address is not None else None
        self._store.update(sub, email=checked,
                           email_verified_at=int(self._clock()) if verified and checked else None)

    def verified_email(self, sub: str) -> str | None:
        """The confirmed e-mail address of ``sub``, or None (no address, or not confirmed)."""
        record = self._store.by_sub(sub)
        if record is None or record.email_verified_at is None:
            return None
        return record.email

    def email_of(self, sub: str) -> str | None:
        """The e-mail address of ``sub`` as given, confirmed or not (None without one)."""
        record = self._store.by_sub(sub)
        return record.email if record else None

    def delete(self, sub: str) -> None:
        """Delete the account of ``sub`` for good (its row goes; the audit log keeps the
        pseudonymous subject only)."""
        self._store.delete(sub)

    def usernames(self) -> list[tuple[str, str]]:
        """(username, subject) of every account."""
        return [(r.username, r.sub) for r in self._store.all()]
