"""The newsletter pages: ``/newsletter`` (subscribe, archive), confirmation and unsubscribe
links, and the editors' pages (write an edition, send it, watch the progress).

The one-click unsubscribe endpoint (RFC 8058) takes a POST without cookies or CSRF token, as
mail clients send it; the signed token in its URL is the only authority it accepts.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from onemg.community.newsletter import service
from onemg.community.newsletter.sending import SendOptions, send_edition, total_and_done
from onemg.community.newsletter.store import NewsletterStore
from onemg.errors import ConflictError, InvalidInputError, NotFoundError
from onemg.times import in_zone, iso_utc
from onemg.web.markdown import render_markdown
from onemg.web.pages import (
    WebUser,
    audit_page,
    check_csrf,
    link_signer,
    mailer,
    page_user,
    redirect,
    render,
    require_site_role_audited,
    web,
)

log = logging.getLogger(__name__)
EDITOR = "editor"


def _store(request: Request) -> NewsletterStore:
    return NewsletterStore(web(request).engine)


_audit = audit_page


def _editor(request: Request, action: str, resource: str = "newsletter") -> WebUser:
    """The logged-in editor; a refusal is audited before the 403."""
    return require_site_role_audited(request, EDITOR, action=action, resource=resource)


def _sends(request: Request) -> dict[int, threading.Thread]:
    return request.app.state.newsletter_sends


def _edition_context(request: Request, edition_id: int) -> dict[str, Any]:
    store = _store(request)
    edition = store.edition(edition_id)
    counts = store.progress(edition_id)
    done, total = total_and_done(counts)
    thread = _sends(request).get(edition_id)
    return {
        "edition": edition,
        "html": render_markdown(edition.body),
        "counts": counts,
        "done": done,
        "total": total,
        "running": bool(thread and thread.is_alive()),
        "sent_when": in_zone(edition.sending_at) if edition.sending_at else None,
        "sent_iso": iso_utc(edition.sending_at) if edition.sending_at else None,
    }


def create_router() -> APIRouter:
    """The newsletter router (a new one per app)."""
    router = APIRouter(include_in_schema=False)

    @router.get("/newsletter")
    def home(request: Request, requested: int = 0) -> Response:
        editions = _store(request).editions(sent_only=True)
        user = page_user(request)
        return render(
            request,
            "newsletter/home.html",
            {
                "editions": [
                    (
                        e,
                        in_zone(e.sending_at or e.created_at),
                        iso_utc(e.sending_at or e.created_at),
                    )
                    for e in editions
                ],
                "requested": bool(requested),
                "error": None,
                "email": "",
                "is_editor": bool(user and user.has_role(EDITOR)),
            },
            title="Newsletter",
        )

    @router.post("/newsletter/subscribe")
    async def subscribe(request: Request, email: str = Form("")) -> Response:
        await check_csrf(request)
        try:
            service.request_subscription(
                _store(request), mailer(request), link_signer(request), email
            )
        except InvalidInputError as exc:
            return render(
                request,
                "newsletter/home.html",
                {
                    "editions": [],
                    "requested": False,
                    "error": str(exc),
                    "email": email,
                    "is_editor": False,
                },
                status=400,
                title="Newsletter",
            )
        return redirect(request, "/newsletter?requested=1")

    @router.get("/newsletter/confirm")
    def confirm_form(request: Request, token: str = "") -> Response:
        # Checked now so that a bad link says so at once; confirming needs the button (a POST),
        # so that a mail scanner opening the link does not subscribe anyone.
        link_signer(request).verify(service.CONFIRM, token, max_age_s=service.CONFIRM_MAX_AGE_S)
        return render(
            request,
            "newsletter/confirm.html",
            {"token": token, "done": False},
            title="Confirm your subscription",
        )

    @router.post("/newsletter/confirm")
    async def confirm(request: Request, token: str = Form("")) -> Response:
        await check_csrf(request)
        service.confirm(_store(request), link_signer(request), token)
        return render(
            request,
            "newsletter/confirm.html",
            {"token": "", "done": True},
            title="You are subscribed",
        )

    @router.get("/newsletter/unsubscribe")
    def unsubscribe_form(request: Request, token: str = "") -> Response:
        link_signer(request).verify(service.UNSUBSCRIBE, token)
        return render(
            request,
            "newsletter/unsubscribe.html",
            {"token": token, "done": False},
            title="Unsubscribe",
        )

    @router.post("/newsletter/unsubscribe")
    async def unsubscribe(request: Request, token: str = "") -> Response:
        # RFC 8058: no cookie, no CSRF token; the signed token in the URL is the authority.
        service.unsubscribe(_store(request), link_signer(request), token)
        return render(
            request,
            "newsletter/unsubscribe.html",
            {"token": "", "done": True},
            title="You are unsubscribed",
        )

    @router.get("/newsletter/editions/{edition_id}")
    def edition_page(request: Request, edition_id: int) -> Response:
        edition = _store(request).edition(edition_id)
        user = page_user(request)
        if edition.sending_at is None and not (user and user.has_role(EDITOR)):
            raise NotFoundError(f"no newsletter edition {edition_id}")
        return render(
            request,
            "newsletter/edition.html",
            _edition_context(request, edition_id),
            title=edition.subject,
        )

    @router.get("/newsletter/admin")
    def admin(request: Request) -> Response:
        _editor(request, "newsletter.admin")
        store = _store(request)
        rows = []
        for e in store.editions():
            done, total = total_and_done(store.progress(e.id))
            rows.append((e, done, total))
        return render(
            request,
            "newsletter/admin.html",
            {"rows": rows, "subscribers": store.counts(), "error": None, "subject": "", "body": ""},
            title="Newsletter: editors",
        )

    @router.post("/newsletter/admin/editions")
    async def create(request: Request, subject: str = Form(""), body: str = Form("")) -> Response:
        user = _editor(request, "newsletter.create")
        await check_csrf(request)
        store = _store(request)
        try:
            clean_subject, clean_body = service.validate_edition(subject, body)
        except InvalidInputError as exc:
            return render(
                request,
                "newsletter/admin.html",
                {
                    "rows": [],
                    "subscribers": store.counts(),
                    "error": str(exc),
                    "subject": subject,
                    "body": body,
                },
                status=400,
                title="Newsletter: editors",
            )
        edition = store.create_edition(clean_subject, clean_body, author=user.sub)
        _audit(request, user, "newsletter.create", f"newsletter/{edition.id}")
        return redirect(request, f"/newsletter/admin/editions/{edition.id}")

    @router.get("/newsletter/admin/editions/{edition_id}")
    def edition_admin(request: Request, edition_id: int) -> Response:
        _editor(request, "newsletter.admin", f"newsletter/{edition_id}")
        ctx = _edition_context(request, edition_id)
        return render(
            request,
            "newsletter/edition_admin.html",
            {**ctx, "confirmed": _store(request).counts().get("confirmed", 0), "error": None},
            title=f"Edition: {ctx['edition'].subject}",
        )

    @router.post("/newsletter/admin/editions/{edition_id}")
    async def update(
        request: Request, edition_id: int, subject: str = Form(""), body: str = Form("")
    ) -> Response:
        user = _editor(request, "newsletter.edit", f"newsletter/{edition_id}")
        await check_csrf(request)
        store = _store(request)
        if store.edition(edition_id).sending_at is not None:
            raise ConflictError("this edition has been sent; it can no longer change")
        try:
            clean_subject, clean_body = service.validate_edition(subject, body)
        except InvalidInputError as exc:
            ctx = _edition_context(request, edition_id)
            return render(
                request,
                "newsletter/edition_admin.html",
                {**ctx, "confirmed": store.counts().get("confirmed", 0), "error": str(exc)},
                status=400,
                title="Edition",
            )
        store.update_edition(edition_id, clean_subject, clean_body)
        _audit(request, user, "newsletter.edit", f"newsletter/{edition_id}")
        return redirect(request, f"/newsletter/admin/editions/{edition_id}")

    @router.post("/newsletter/admin/editions/{edition_id}/send")
    async def send(request: Request, edition_id: int) -> Response:
        user = _editor(request, "newsletter.send", f"newsletter/{edition_id}")
        await check_csrf(request)
        store = _store(request)
        store.edition(edition_id)
        sends = _sends(request)
        running = sends.get(edition_id)
        if running is not None and running.is_alive():
            raise ConflictError("this edition is being sent already; reload to see progress")
        _audit(request, user, "newsletter.send", f"newsletter/{edition_id}")
        send_mailer, signer = mailer(request), link_signer(request)

        def run() -> None:
            try:
                send_edition(store, send_mailer, signer, edition_id, options=SendOptions())
            except Exception:  # a background thread has nobody else to tell
                log.exception("sending newsletter edition %s stopped", edition_id)

        thread = threading.Thread(target=run, name=f"newsletter-{edition_id}", daemon=True)
        sends[edition_id] = thread
        thread.start()
        return redirect(request, f"/newsletter/admin/editions/{edition_id}")

    return router
