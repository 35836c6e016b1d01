"""The exception hierarchy shared by every onemg capability.

Each error message says what was wrong, where, and how to fix it. The web layer maps these
classes to HTTP status codes in one place; the CLI prints them and exits non-zero.
"""

from __future__ import annotations


class OnemgError(Exception):
    """Root of every error onemg raises on purpose."""


class InvalidInputError(OnemgError, ValueError):
    """Input data or arguments are malformed or inconsistent."""


class NotFoundError(OnemgError, LookupError):
    """A named dataset, record or resource does not exist."""


class ConflictError(OnemgError):
    """The operation clashes with what is already stored (e.g. a dataset id in use)."""


class AuthenticationError(OnemgError):
    """Credentials were presented but are invalid, expired or untrusted (HTTP 401)."""


class AccessDeniedError(OnemgError, PermissionError):
    """Valid credentials that do not allow the requested action (HTTP 403)."""


class WorkflowError(OnemgError):
    """A workflow transition that the current state or role does not allow."""


class IntegrityError(OnemgError):
    """Stored data failed an integrity check (e.g. a tampered audit log)."""


class UpstreamError(OnemgError):
    """A remote service (member node, visa issuer) failed or answered badly."""


class UnavailableError(OnemgError):
    """Something this request needs is down here (e.g. the audit log cannot be written)."""


class NotAcceptableError(OnemgError):
    """The client accepts none of the formats a resource is served in (HTTP 406)."""


class RateLimitedError(OnemgError):
    """Too many attempts: the caller must wait ``retry_after_s`` seconds (HTTP 429)."""

    def __init__(self, message: str, *, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = max(1, int(retry_after_s))
