"""``/account``: the logged-in person's own account page (their e-mail address, confirmed by mail).

The hub mails notifications only to a confirmed address. Changing it sends a link, signed for
this purpose, this account and this address, valid for two days; following it confirms the
address. Each change and confirmation is audited (``account.email``), with the subject only.
"""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from onemg.access.accounts import check_email
from onemg.errors import AccessDeniedError, InvalidInputError
from onemg.mail import MailError, compose
from onemg.web.pages import (
    check_csrf,
    link_signer,
    mailer,
    redirect,
    render,
    require_user,
    web,
)

CONFIRM = "account.email"
CONFIRM_MAX_AGE_S = 2 * 86_400


def _page(request: Request, *, notice: str | None = None, error: str | None = None,
          status: int = 200) -> Response:
    user = require_user(request)
    accounts = web(request).accounts
    return render(request, "account.html", {
        "email": accounts.email_of(user.sub),
        "verified": accounts.verified_email(user.sub) is not None,
        "notice": notice, "error": error,
    }, status=status, title="Your account")


def send_confirmation(request: Request, sub: str, username: str, address: str) -> None:
    """Mail ``address`` the signed link that confirms it for account ``sub`` (audited).

    Used by this page and by every form that takes an address (the stakeholder registration).

    Raises:
        MailError: the mail could not be sent.
    """
    web(request).audit.record(user=sub, action="account.email", resource=f"user:{sub}",
                              result="changed", reason="confirmation sent", origin="hub-web")
    out = mailer(request)
    token = link_signer(request).sign(CONFIRM, {"sub": sub, "email": address})
    link = out.link(f"account/email/confirm?token={token}")
    out.send(compose(
        sender=out.sender, to=address, subject="Confirm your e-mail address for the 1+MG hub",
        text=(f"Someone (we hope you, as {username}) gave this address to the 1+MG hub.\n"
              f"Confirm it within two days by opening:\n{link}\n\n"
              "If it was not you, ignore this mail: nothing will be sent here.\n")))


def account_router() -> APIRouter:
    """The account page and the address confirmation link."""
    router = APIRouter(include_in_schema=False)

    @router.get("/account")
    def account(request: Request, confirmed: int = 0) -> Response:
        return _page(request, notice="Your e-mail address is confirmed." if confirmed else None)

    @router.post("/account/email")
    async def change_email(request: Request, email: str = Form("")) -> Response:
        await check_csrf(request)
        user = require_user(request)
        try:
            address = check_email(email)
        except InvalidInputError as exc:
            return _page(request, error=str(exc), status=400)
        services = web(request)
        services.accounts.set_email(user.sub, address, verified=False)
        try:
            await asyncio.to_thread(send_confirmation, request, user.sub, user.username, address)
        except MailError as exc:
            return _page(request, error=f"The confirmation mail could not be sent ({exc}). "
                                        "Try again later.", status=503)
        return _page(request, notice=f"We sent a confirmation link to {address}. "
                                     "Open it within two days.")

    @router.get("/account/email/confirm")
    def confirm(request: Request, token: str = "") -> Response:
        data = link_signer(request).verify(CONFIRM, token, max_age_s=CONFIRM_MAX_AGE_S)
        services = web(request)
        sub, address = str(data.get("sub")), str(data.get("email"))
        # Only the address the link was made for, and only while it is still the account's.
        if services.accounts.email_of(sub) != address:
            raise AccessDeniedError("this link is for an address you have changed since; "
                                    "ask for a new one on your account page")
        services.accounts.set_email(sub, address, verified=True)
        services.audit.record(user=sub, action="account.email", resource=f"user:{sub}",
                              result="confirmed", origin="hub-web")
        return redirect(request, "/account?confirmed=1")

    return router
