"""The hub's FastAPI app: the Beacon Network under ``/api``, plus login and the passport broker
of the access capability when the network config turns ``broker`` on.

``create_hub_app(settings, network)`` builds a fresh app; it is the hub's composition root. The
HTTP client, member registry and network service are created in the lifespan and kept on
``app.state``; the hub's one database engine (``settings.db_url``: SQLite in the hub's data
directory, or PostgreSQL) is opened and migrated by the first request that needs it
(``onemg.db.open_database``) and disposed of when the app stops.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import httpx
from fastapi import FastAPI
from sqlalchemy import Engine

from onemg import __version__
from onemg.db import open_database
from onemg.dcat.hub import attach_hub_catalogue
from onemg.lazy import Lazy
from onemg.mail import mailer_for
from onemg.network.access_hook import wire_broker
from onemg.network.config import NetworkConfig
from onemg.network.credentials import MemberCredentials
from onemg.network.registry import MemberRegistry
from onemg.network.routes import create_router
from onemg.network.service import NetworkService
from onemg.network.wire import AiohttpWire
from onemg.security import CredentialVerifier
from onemg.settings import Settings
from onemg.web.docs import OPENAPI_PATH, install_docs
from onemg.web.errors import install_error_handlers
from onemg.web.middleware import install_http_hardening
from onemg.web.signed_links import LinkSigner
from onemg.web.transport import StrictTransport


def create_hub_app(
    settings: Settings,
    network: NetworkConfig,
    *,
    verifier: CredentialVerifier | None = None,
    member_credentials: MemberCredentials | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    refresh_on_start: bool = True,
) -> FastAPI:
    """Build the hub app.

    Args:
        settings: the hub's settings (``settings.beacon`` names the network beacon).
        network: members and fan-out policy (see :mod:`onemg.network.config`).
        verifier: verifies callers' bearer tokens; default trusts no issuer (public only).
        member_credentials: mints member-scoped credentials (hook for the passport broker);
            default :class:`~onemg.network.credentials.PublicView` forwards none.
        transport: an httpx transport for unit tests (``httpx.MockTransport``); member queries
            then go through it too. Default: httpx's own for the hub's occasional calls
            (metadata, broker) and :class:`~onemg.network.wire.AiohttpWire` for member queries.
        refresh_on_start: read every member's metadata before serving (bounded by the deadline).
    """

    database: Lazy[Engine] = Lazy(lambda: open_database(settings.db_url))

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Room for ~50 concurrent network queries per member before calls queue in the pool.
        pool = max(200, 50 * len(network.enabled_members))
        limits = httpx.Limits(max_connections=pool, max_keepalive_connections=pool)
        async with (
            httpx.AsyncClient(
                transport=transport, limits=limits, follow_redirects=False, trust_env=False
            ) as client,
            contextlib.AsyncExitStack() as stack,
        ):
            # Member queries (the hot path) go over aiohttp, unless a test injected a transport.
            wire: AiohttpWire | None = None
            if transport is None:
                wire = AiohttpWire(max_connections=pool, user_agent=f"onemg-hub/{__version__}")
                stack.push_async_callback(wire.aclose)
            registry = MemberRegistry(network)
            service = NetworkService(
                beacon=settings.beacon,
                registry=registry,
                client=client,
                verifier=verifier,
                credentials=member_credentials,
                wire=wire,
            )
            app.state.network = service
            if refresh_on_start:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(network.deadline_s):
                        await service.refresh()
            refresher = asyncio.create_task(registry.refresh_forever(client))
            # Mail applicants when a committee changes their application's state.
            notifier = None
            if network.broker and settings.mail.notify_interval_s > 0:
                notifier = asyncio.create_task(_notify_forever(app, settings, network, client))
            # DCAT-AP: harvest every member's catalogue now and on a schedule (onemg.dcat).
            await stack.enter_async_context(
                app.state.catalogue_harvester.running(client, settings.catalogue.harvest_interval_s)
            )
            try:
                yield
            finally:
                for task in (refresher, notifier):
                    if task is not None:
                        task.cancel()
                        with contextlib.suppress(asyncio.CancelledError):
                            await task
                if (engine := database.if_built()) is not None:
                    engine.dispose()

    app = FastAPI(
        title=settings.beacon.name,
        version=__version__,
        description="1+MG Beacon Network: one query, answered by every national node.",
        lifespan=lifespan,
        openapi_url=OPENAPI_PATH,
        docs_url=None,  # served from the package by install_docs (offline)
        redoc_url=None,
    )
    install_error_handlers(app, settings.beacon)
    install_docs(app)
    # Mail out (notifications, newsletter) and signed links in mails; both made on first use.
    app.state.mailer = Lazy(lambda: mailer_for(settings))
    app.state.link_signer = Lazy(lambda: LinkSigner.for_data_dir(settings.data_dir))
    # Files the community site keeps (news images) live in the hub's data directory.
    app.state.data_dir = settings.data_dir
    if network.broker:
        broker_verifier, broker_credentials = wire_broker(app, settings, network, database)
        verifier = verifier or broker_verifier
        member_credentials = member_credentials or broker_credentials
    # The Maturity Level Model (pages /mlm, API /api/mlm): before the Beacon /api catch-all.
    from onemg.governance.mlm import mount_mlm

    mount_mlm(app, database)
    # The researcher portal (pages /, /datasets, /search).
    from onemg.portal import mount_portal

    mount_portal(app, database)
    # The community site (news, events, newsletter, stakeholder portal).
    from onemg.community import mount_community

    mount_community(app, database)
    # The merged DCAT-AP catalogue (/api/catalogue): before the Beacon /api catch-all.
    attach_hub_catalogue(app, settings, network)
    app.include_router(create_router())
    app.add_middleware(StrictTransport)  # HSTS when served over HTTPS (docs/deploy.md)
    install_http_hardening(app, settings=settings.beacon,
                           public_url=settings.access.public_url if network.broker else None)
    return app


async def _notify_forever(app: FastAPI, settings: Settings, network: NetworkConfig,
                          client: httpx.AsyncClient) -> None:
    from onemg.portal.notifications import ApplicationNotifier, Watches

    # Built after the first interval, so starting the hub opens no database for it.
    await asyncio.sleep(settings.mail.notify_interval_s)
    access = app.state.hub_access()
    notifier = ApplicationNotifier(
        access=access, members=network.enabled_members, watches=Watches(app.state.web.engine),
        mailer=app.state.mailer(), http=client)
    await notifier.run_forever(settings.mail.notify_interval_s)
