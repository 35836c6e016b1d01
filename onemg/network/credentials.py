"""What the hub sends each member on behalf of the caller: never the caller's own token.

The hub verifies the caller (their passport or login) itself, then asks a
:class:`MemberCredentials` provider for a credential scoped to one member: a passport whose
``aud`` is that member (or an RFC 8693 token exchange). Until the access capability plugs in its
provider (``create_hub_app(..., member_credentials=...)``), the hub uses :class:`PublicView` and
members answer at their PUBLIC tier.
"""

from __future__ import annotations

from typing import Protocol

from onemg.network.config import MemberConfig
from onemg.security import Principal


class MemberCredentials(Protocol):
    """Mints the bearer token the hub presents to one member for one verified caller."""

    async def for_member(self, member: MemberConfig, principal: Principal) -> str | None:
        """A token with ``aud == member.passport_audience``, or ``None`` for a public query."""
        ...


class PublicView:
    """The hook's default: forward no credentials, so every member answers publicly."""

    async def for_member(self, member: MemberConfig, principal: Principal) -> str | None:
        return None
