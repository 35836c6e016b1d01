"""What deleting a hub account erases, and what it keeps and why: the one inventory.

Every column of the schema that names a person (by subject, username or e-mail address) is
listed here once: erased with the account (:data:`ERASED`, in the account's own transaction),
erased by the part that owns it (:data:`ERASED_BY_PART`, whose service keeps the side effects
right, such as a waiting list moving up), or kept (:data:`KEPT`, with the reason). The contract
test ``tests/access/test_erasure.py`` fails when a table gains such a column without a line
here (or in :data:`NOT_A_PERSON`, for a name that means something else).
"""

from __future__ import annotations

from sqlalchemy import Connection, text

#: Column names that hold a person's account subject, username or address.
PERSON_COLUMNS = frozenset(
    {
        "sub",
        "subject",
        "user",
        "actor",
        "author",
        "author_sub",
        "organiser_sub",
        "owner",
        "opened_by",
        "created_by",
        "recorded_by",
        "researcher_status_by",
        "username",
        "email",
        "contact_email",
    }
)

#: (table, column): rows erased together with the account row, in the same transaction.
ERASED: tuple[tuple[str, str], ...] = (
    ("web_sessions", "sub"),  # every browser session, not only the one that asked
    ("portal_basket", "sub"),
    ("portal_application_watch", "sub"),
    ("mlm_system_roles", "sub"),  # coordinator / viewer of a health system
    ("access_accounts", "sub"),
)

#: (table, column) -> the service that erases those rows when the account is deleted.
ERASED_BY_PART: dict[tuple[str, str], str] = {
    ("access_accounts", "username"): "the account row itself",
    ("access_accounts", "email"): "the account row itself",
    ("hub_site_roles", "sub"): "SiteRoleStore.forget",
    ("stk_members", "sub"): "stakeholders: Registrations.withdraw",
    ("stk_comments", "author"): "stakeholders: Registrations.withdraw",
    ("stk_verdicts", "author"): "stakeholders: Registrations.withdraw",
    ("stk_workshop_invitations", "sub"): "stakeholders: Registrations.withdraw",
    ("community_event_registrations", "sub"): "events: EventService.forget",
}

#: (table, column) -> why the rows stay when the account goes.
KEPT: dict[tuple[str, str], str] = {
    ("access_audit", "user"): (
        "the tamper-evident audit log: a pseudonymous subject, kept for accountability "
        "(its hash chain would break otherwise)"
    ),
    ("access_accounts", "researcher_status_by"): "the admin who vouched, on other accounts",
    ("access_roles", "subject"): "a node's DAC roles: the node's database, its operator's call",
    ("access_entitlements", "subject"): "a node's granted access: the DAC's legal record",
    ("access_events", "actor"): "a node's application history: the DAC's legal record",
    ("privacy_ledger", "subject"): (
        "a node's risk budgets: erasing them would hand a fresh budget to anyone who deletes "
        "and re-creates an account"
    ),
    ("privacy_charge", "subject"): "a node's risk budgets (as privacy_ledger)",
    ("privacy_count_set", "subject"): "a node's differencing guard (as privacy_ledger)",
    ("community_event_registrations", "email"): (
        "a visitor's registration by address; erased by address on request "
        "(EventService.forget(email=...))"
    ),
    ("community_events", "organiser_sub"): "the project's event record",
    ("community_events", "contact_email"): "the event's published contact address",
    ("news_posts", "author_sub"): "the project's publication",
    ("newsletter_editions", "author_sub"): "the project's publication",
    ("newsletter_subscribers", "email"): (
        "a subscription of its own, not tied to the account; each newsletter carries its "
        "unsubscribe link"
    ),
    ("stk_drafts", "owner"): "a work package's document",
    ("stk_draft_versions", "created_by"): "a work package's document",
    ("stk_documents", "created_by"): "the project's library",
    ("stk_rounds", "opened_by"): "the review round's record",
    ("mlm_assessments", "opened_by"): "the assessment's record",
    ("mlm_consensus", "recorded_by"): "the assessment's record",
    ("mlm_panel", "sub"): "the assessment's Delphi record (pseudonymous subject)",
    ("mlm_ratings", "sub"): "the assessment's Delphi record (pseudonymous subject)",
    ("mlm_evidence", "sub"): "the assessment's Delphi record (pseudonymous subject)",
    ("mlm_roadmap", "owner"): "free text naming an organisation, not an account",
}

#: Columns with a person-like name that hold something else.
NOT_A_PERSON: dict[tuple[str, str], str] = {
    ("newsletter_editions", "subject"): "the e-mail's subject line",
}


def erase_account_rows(connection: Connection, sub: str) -> int:
    """Delete the rows of :data:`ERASED` for ``sub`` on ``connection``; the number deleted.

    Runs in the caller's transaction, so the account and its rows go together or not at all.
    """
    deleted = 0
    for table, column in ERASED:
        # Names come from the constant inventory above, never from input.
        result = connection.execute(
            text(f"DELETE FROM {table} WHERE {column} = :sub"), {"sub": sub}
        )
        deleted += result.rowcount
    return deleted
