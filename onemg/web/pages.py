"""The shared foundation of the hub's web pages: templates, sessions, CSRF, login, errors.

Every router that serves pages (the MLM, later the researcher portal and the community site)
uses the same pieces:

- :class:`WebServices` (on ``app.state.web``): the hub database, accounts, audit log and
  browser sessions, opened on first use so creating the app touches no disk;
- :func:`render`: one Jinja2 environment (base template ``base.html``), with the strict
  Content-Security-Policy and the other security headers on every page;
- :func:`page_user` / :func:`require_user`: who is logged in (hub accounts,
  :mod:`onemg.access.accounts`); :func:`check_csrf`: every form POST carries a single-use token;
- :func:`install_pages`: static files (plotly.js from the plotly wheel, no CDN), ``/login``,
  ``/logout`` and the error page for browser requests (never a traceback or raw JSON).
"""

from __future__ import annotations

import ast
import functools
import logging
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
from fastapi import APIRouter, FastAPI, Form, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from markupsafe import Markup
from sqlalchemy import Engine

from onemg.errors import AccessDeniedError, AuthenticationError, OnemgError
from onemg.lazy import Lazy
from onemg.settings import Settings
from onemg.web.errors import status_for
from onemg.web.sessions import Session, Sessions, SessionStore

log = logging.getLogger(__name__)

COOKIE = "onemg_session"
SECURE_COOKIE = "__Host-onemg_session"
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}
#: Paths that answer machines (JSON); everything else is a page for a person.
API_PREFIXES = ("/api", "/oidc", "/.well-known", "/static", "/openapi.json", "/docs")


class CsrfError(AccessDeniedError):
    """A form arrived without a valid, unused CSRF token."""


class LoginRequiredError(AuthenticationError):
    """A page needs a logged-in user."""


@dataclass(frozen=True)
class WebUser:
    """The logged-in person, as pages see them."""

    sub: str
    username: str
    is_admin: bool
    #: Site roles (:data:`onemg.access.site_roles.SITE_ROLES`); administrators hold them all.
    roles: frozenset[str] = frozenset()

    def has_role(self, *roles: str) -> bool:
        """True when the user holds one of ``roles`` (administrators hold every role)."""
        return self.is_admin or any(r in self.roles for r in roles)


class WebServices:
    """What pages share over the hub's one database: accounts, audit log, sessions.

    ``database`` is the hub's engine provider (the app's :class:`~onemg.lazy.Lazy` over
    :func:`onemg.db.open_database`); nothing is opened until a page needs it.
    """

    def __init__(self, database: Callable[[], Engine], *, owns_engine: bool = False) -> None:
        self._database = database
        self._owns_engine = owns_engine
        self._parts: Lazy[dict[str, Any]] = Lazy(self._build)

    @classmethod
    def for_settings(cls, settings: Settings) -> WebServices:
        """Services over their own engine for ``settings.db_url`` (CLI, tests); ``dispose()`` it."""
        from onemg.db import open_database

        return cls(Lazy(lambda: open_database(settings.db_url)), owns_engine=True)

    def _build(self) -> dict[str, Any]:
        from onemg.access.accounts import LocalAccounts
        from onemg.access.audit import HashChainAudit
        from onemg.access.store import AccountStore, AuditStore, SiteRoleStore

        engine = self._database()
        store = AccountStore(engine)
        return {
            "account_store": store,
            "site_roles": SiteRoleStore(engine),
            "accounts": LocalAccounts(store),
            "audit": HashChainAudit(AuditStore(engine)),
            "sessions": Sessions(SessionStore(engine)),
        }

    def _get(self) -> dict[str, Any]:
        return self._parts()

    @property
    def engine(self) -> Engine:
        """The hub's SQLAlchemy engine (migrated)."""
        return self._database()

    @property
    def accounts(self) -> Any:
        """The hub's :class:`~onemg.access.accounts.LocalAccounts`."""
        return self._get()["accounts"]

    @property
    def audit(self) -> Any:
        """The hub's hash-chained audit log."""
        return self._get()["audit"]

    @property
    def site_roles(self) -> Any:
        """The hub's :class:`~onemg.access.store.SiteRoleStore`."""
        return self._get()["site_roles"]

    @property
    def sessions(self) -> Sessions:
        """Browser sessions."""
        return self._get()["sessions"]

    def username(self, sub: str) -> str:
        """The username behind ``sub`` (or a short pseudonym when the account is gone)."""
        record = self._get()["account_store"].by_sub(sub)
        return record.username if record else f"account {sub[:8]}"

    def sub_of(self, username: str) -> str:
        """The subject of ``username`` (NotFoundError if unknown)."""
        return self.accounts.sub_of(username)

    def dispose(self) -> None:
        """Close the engine, if these services own it and it was opened."""
        if self._owns_engine and self._parts.built:
            self._database().dispose()


def web(request: Request) -> WebServices:
    """The app's :class:`WebServices`."""
    return request.app.state.web


def _cookie_name(request: Request) -> str:
    return SECURE_COOKIE if request.url.scheme == "https" else COOKIE


def current_session(request: Request) -> Session | None:
    """The request's live session, if its cookie names one."""
    if not hasattr(request.state, "web_session"):
        token = request.cookies.get(_cookie_name(request))
        request.state.web_session = web(request).sessions.find(token) if token else None
    return request.state.web_session


def page_user(request: Request) -> WebUser | None:
    """The logged-in user, or None."""
    if not hasattr(request.state, "web_user"):
        session = current_session(request)
        user = None
        if session is not None and session.sub is not None:
            try:
                services = web(request)
                identity = services.accounts.identity(session.sub)
                user = WebUser(identity.sub, services.username(identity.sub), identity.is_admin,
                               services.site_roles.roles_of(identity.sub))
            except AuthenticationError:
                user = None
        request.state.web_user = user
    return request.state.web_user


def require_user(request: Request) -> WebUser:
    """The logged-in user; a page request without one is sent to ``/login``."""
    user = page_user(request)
    if user is None:
        raise LoginRequiredError("log in to see this page")
    return user


def require_site_role(request: Request, *roles: str) -> WebUser:
    """The logged-in user if they hold one of the site ``roles``; otherwise 401 or 403."""
    user = require_user(request)
    if not user.has_role(*roles):
        raise AccessDeniedError(f"this needs the {' or '.join(roles)} role")
    return user


def audit_page(request: Request, user: WebUser | None, action: str, resource: str,
               result: str = "granted", reason: str = "") -> None:
    """Record a page action (or its refusal) in the hub's audit log, as the web origin."""
    web(request).audit.record(user=user.sub if user else None, action=action, resource=resource,
                              result=result, reason=reason, origin="hub-web")


def require_site_role_audited(request: Request, role: str, *, action: str,
                              resource: str) -> WebUser:
    """:func:`require_site_role`, with a refusal audited before the 403."""
    try:
        return require_site_role(request, role)
    except AccessDeniedError as exc:
        audit_page(request, page_user(request), action, resource, "denied", str(exc))
        raise


def mailer(request: Request) -> Any:
    """The hub's :class:`~onemg.mail.Mailer` (``[mail]`` settings; see docs/mail.md)."""
    return request.app.state.mailer()


def link_signer(request: Request) -> Any:
    """The hub's :class:`~onemg.web.signed_links.LinkSigner` for links in mails."""
    return request.app.state.link_signer()


def _session_for_form(request: Request) -> Session:
    session = current_session(request)
    if session is None:
        session = web(request).sessions.start()
        request.state.web_session = session
        request.state.set_cookie = session
    return session


async def check_csrf(request: Request) -> None:
    """Refuse a form POST whose ``csrf_token`` is missing, unknown or already used."""
    form = await request.form()
    token = form.get("csrf_token")
    if not web(request).sessions.spend_csrf(
        current_session(request), token if isinstance(token, str) else None
    ):
        raise CsrfError(
            "this form has expired or was already sent; go back, reload the page and try again"
        )


def _set_cookie(request: Request, response: Response, session: Session | None) -> None:
    if session is None:
        response.delete_cookie(_cookie_name(request), path="/")
        return
    secure = request.url.scheme == "https"
    response.set_cookie(
        _cookie_name(request),
        session.token,
        httponly=True,
        samesite="lax",
        secure=secure,
        path="/",
        max_age=max(0, session.expires_at - int(time.time())),
    )


def build_templates(*packages: str) -> jinja2.Environment:
    """One Jinja2 environment over ``onemg.web``'s templates and each package's ``templates``."""
    loaders = [jinja2.PackageLoader("onemg.web", "templates")]
    loaders += [jinja2.PackageLoader(p, "templates") for p in packages]
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=jinja2.select_autoescape(default=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status: int = 200,
    title: str | None = None,
) -> HTMLResponse:
    """Render a page with the shared layout, the logged-in user and a CSRF token helper."""
    env: jinja2.Environment = request.app.state.templates

    def csrf_field() -> Markup:
        token = web(request).sessions.issue_csrf(_session_for_form(request))
        return Markup('<input type="hidden" name="csrf_token" value="{}">').format(token)

    ctx = {
        "request": request,
        "user": page_user(request),
        "csrf_field": csrf_field,
        "title": title,
        **(context or {}),
    }
    html = env.get_template(template).render(ctx)
    response = HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)
    if getattr(request.state, "set_cookie", None) is not None:
        _set_cookie(request, response, request.state.set_cookie)
    return response


def redirect(request: Request, url: str) -> RedirectResponse:
    """A 303 See Other after a form POST (keeps any new session cookie)."""
    response = RedirectResponse(url, status_code=303)
    if getattr(request.state, "set_cookie", None) is not None:
        _set_cookie(request, response, request.state.set_cookie)
    return response


def is_page_request(request: Request) -> bool:
    """True when a person's browser asked (a page path, HTML accepted or a form sent)."""
    if request.url.path.startswith(API_PREFIXES):
        return False
    accept = request.headers.get("accept", "")
    form = request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    )
    return "text/html" in accept or form


_MESSAGES = {
    400: "Something in the request was not right.",
    401: "Please log in.",
    403: "You are not allowed to do this.",
    404: "This page does not exist, or you do not have access to it.",
    409: "This cannot be done in the current state.",
    500: "Something went wrong on our side. The error has been logged; please try again later.",
}


def error_page(request: Request, status: int, detail: str | None) -> Response:
    """The one error page: what happened, in words a person understands, and where to go."""
    if status == 401:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        login = getattr(request.app.state, "login_path", "/login")
        return RedirectResponse(f"{login}?next={quote(target)}", status_code=303)
    return render(
        request,
        "error.html",
        {
            "status": status,
            "summary": _MESSAGES.get(status, _MESSAGES[400 if status < 500 else 500]),
            "detail": detail if status < 500 else None,
        },
        status=status,
        title="Error",
    )


def install_page_errors(app: FastAPI) -> None:
    """Answer browser requests with the error page; API requests keep their JSON handlers."""
    from fastapi.exceptions import RequestValidationError
    from starlette.exceptions import HTTPException as StarletteHTTPException

    handlers = dict(app.exception_handlers)

    def wrap(kind: type, status_of: Callable[[Exception], tuple[int, str | None]]) -> None:
        inner = handlers.get(kind)

        async def handler(request: Request, exc: Exception) -> Response:
            if is_page_request(request):
                status, detail = status_of(exc)
                if status >= 500:
                    log.error("error on page %s", request.url.path, exc_info=exc)
                return error_page(request, status, detail)
            if inner is None:
                raise exc
            result = inner(request, exc)
            return await result if isinstance(result, Awaitable) else result

        app.add_exception_handler(kind, handler)

    wrap(OnemgError, lambda e: (status_for(e), str(e)))
    wrap(RequestValidationError, lambda e: (400, "a field of the form is missing or invalid"))
    wrap(
        StarletteHTTPException,
        lambda e: (
            getattr(e, "status_code", 500),
            None if getattr(e, "status_code", 500) == 404 else str(getattr(e, "detail", "")),
        ),
    )
    wrap(Exception, lambda e: (500, None))


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/mlm"


def auth_router() -> APIRouter:
    """``/login`` and ``/logout`` for the hub's web pages (hub accounts)."""
    router = APIRouter(include_in_schema=False)

    @router.get("/login")
    def login_form(request: Request, next: str | None = None) -> Response:
        return render(
            request, "login.html", {"next": _safe_next(next), "error": None}, title="Log in"
        )

    @router.post("/login")
    async def login(
        request: Request,
        username: str = Form(""),
        password: str = Form(""),
        next: str = Form("/mlm"),
    ) -> Response:
        await check_csrf(request)
        services = web(request)
        try:
            identity = services.accounts.authenticate(username.strip(), password)
        except AuthenticationError:
            services.audit.record(
                user=None,
                action="auth.login",
                resource="hub-web",
                result="denied",
                reason="wrong username or password",
                origin="hub-web",
            )
            return render(
                request,
                "login.html",
                {"next": _safe_next(next), "error": "Wrong username or password."},
                status=401,
                title="Log in",
            )
        services.audit.record(
            user=identity.sub,
            action="auth.login",
            resource="hub-web",
            result="granted",
            origin="hub-web",
        )
        request.state.set_cookie = services.sessions.login(current_session(request), identity.sub)
        return redirect(request, _safe_next(next))

    @router.post("/logout")
    async def logout(request: Request) -> Response:
        await check_csrf(request)
        session = current_session(request)
        if session is not None:
            web(request).sessions.end(session)
        response = RedirectResponse("/login", status_code=303)
        _set_cookie(request, response, None)
        return response

    return router


def _plotly_js() -> Path:
    return Path(str(resources.files("plotly").joinpath("package_data", "plotly.min.js")))


_JS_STRING = r"""("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')"""
_RULE = re.compile(_JS_STRING + ":" + _JS_STRING + r"\s*([,}])")


def plotly_css() -> str:
    """plotly.js's own style rules as a stylesheet, read from the plotly.js in the wheel.

    plotly.js injects these rules with a ``<style>`` element at load time, which a strict
    ``style-src 'self'`` refuses; served as a file, the same rules apply and the page's policy
    stays strict (plotly.js's documented route for strict CSP, plotly/plotly.js#7109).
    """
    text = _plotly_js().read_text(encoding="utf-8")
    start = text.find('{"X,X div":')
    if start < 0:
        return "/* plotly.js style rules not found in this plotly version */\n"
    rules = []
    for m in _RULE.finditer(text, start):
        if m.start() > start + 20000:
            break
        key, value = (ast.literal_eval(g) for g in m.group(1, 2))
        selector = key.replace("X", ".js-plotly-plot .plotly").replace("Y", ".plotly-notifier")
        rules.append(f"{selector} {{{value}}}")
        if m.group(3) == "}":
            break
    return "\n".join(rules) + "\n"


def install_pages(
    app: FastAPI,
    database: Callable[[], Engine],
    *,
    template_packages: tuple[str, ...] = (),
    hub_login: bool = True,
) -> None:
    """Set up the shared page foundation on ``app`` (call once, before page routers).

    ``hub_login`` adds ``/login`` and ``/logout`` with the hub's accounts; a node (which has no
    accounts of its own) passes False and logs people in with a passport from the hub.
    """
    if getattr(app.state, "web", None) is None:
        app.state.web = WebServices(database)
        app.state.templates = build_templates(*template_packages)
        static = Path(str(resources.files("onemg.web").joinpath("static")))

        css = functools.cache(plotly_css)

        @app.get("/static/vendor/plotly.css", include_in_schema=False)
        async def plotly_stylesheet() -> Response:
            return Response(
                css(), media_type="text/css", headers={"Cache-Control": "max-age=86400"}
            )

        @app.get("/static/vendor/plotly.min.js", include_in_schema=False)
        async def plotly_js() -> FileResponse:
            return FileResponse(
                _plotly_js(),
                media_type="text/javascript",
                headers={"Cache-Control": "max-age=86400"},
            )

        app.mount("/static", StaticFiles(directory=static), name="static")
        if hub_login:
            from onemg.web.account import account_router

            app.include_router(auth_router())
            app.include_router(account_router())
    else:
        env: jinja2.Environment = app.state.templates
        loader = env.loader
        if isinstance(loader, jinja2.ChoiceLoader):
            loader.loaders = [
                *loader.loaders,
                *(jinja2.PackageLoader(p, "templates") for p in template_packages),
            ]
