"""``onemg community ...``: the community site on a hub's database (newsletter, news demo)."""

from __future__ import annotations

from pathlib import Path

import typer

_DATA_DIR = typer.Option(..., "--data-dir", help="Hub data directory.", show_default=False)
_CONFIG = typer.Option(
    None,
    "--config",
    "-c",
    help="Hub TOML file (default: DATA_DIR/hub.toml if it exists); its \\[mail] table says "
    "where mail goes (docs/mail.md).",
)


def _hub_settings(data_dir: Path, config: Path | None, database_url: str | None):  # noqa: ANN202
    """The hub's settings as ``onemg hub serve`` reads them (``hub.toml``), else ``onemg.toml``."""
    import dataclasses

    from onemg.network.config import load_hub_config
    from onemg.settings import load_settings

    path = config or data_dir / "hub.toml"
    if config is not None or path.is_file():
        settings, _ = load_hub_config(path)
        settings = dataclasses.replace(settings, data_dir=data_dir)
        if database_url:
            settings = dataclasses.replace(settings, database_url=database_url)
        return settings
    return load_settings(data_dir, database_url=database_url)


_DB_URL = typer.Option(
    None, "--database-url", help="SQLAlchemy URL (default: SQLite in the data directory)."
)


def register(app: typer.Typer) -> None:
    """Attach ``onemg community`` to ``app``."""
    community = typer.Typer(help="The community site: news and newsletter.", no_args_is_help=True)
    newsletter = typer.Typer(help="The newsletter: send editions.", no_args_is_help=True)
    news = typer.Typer(help="News posts.", no_args_is_help=True)

    @newsletter.command("send")
    def send(
        edition: int = typer.Argument(..., help="Edition number (see /newsletter/admin)."),
        data_dir: Path = _DATA_DIR,
        config: Path | None = _CONFIG,
        database_url: str | None = _DB_URL,
        batch_size: int = typer.Option(50, min=1, max=10_000, help="Mails per batch."),
        pause: float = typer.Option(
            0.0, min=0.0, help="Seconds to wait between batches (for a mail server's rate limit)."
        ),
        max_attempts: int = typer.Option(
            3, min=1, help="Tries per subscriber on temporary failures (bounces are never retried)."
        ),
        retry_after: float = typer.Option(
            30.0, min=0.0, help="Seconds before a failed mail is tried again."
        ),
        take_over_after: float = typer.Option(
            900.0,
            min=0.0,
            help="Seconds after which a mail claimed by a run that died before "
            "recording its outcome is sent again (see docs/community.md).",
        ),
    ) -> None:
        """Send an edition to every confirmed subscriber, in batches, with a progress bar.

        Safe to rerun after a crash or a kill: subscribers already mailed are skipped, so each
        gets the edition once. Mail goes through the hub's \\[mail] settings (docs/mail.md).
        """
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

        from onemg.community.newsletter.sending import SendOptions, send_edition
        from onemg.community.newsletter.store import NewsletterStore
        from onemg.mail import mailer_for
        from onemg.web.pages import WebServices
        from onemg.web.signed_links import LinkSigner

        settings = _hub_settings(data_dir, config, database_url)
        web = WebServices.for_settings(settings)
        try:
            store = NewsletterStore(web.engine)
            subject = store.edition(edition).subject
            options = SendOptions(
                batch_size=batch_size,
                pause_s=pause,
                max_attempts=max_attempts,
                retry_after_s=retry_after,
                take_over_after_s=take_over_after,
            )
            columns = (
                "[progress.description]{task.description}",
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
            )
            with Progress(*columns, transient=False) as bar:
                task = bar.add_task(f"edition {edition}", total=None)

                def advance(done: int, total: int) -> None:
                    bar.update(task, completed=done, total=total)

                report = send_edition(
                    store,
                    mailer_for(settings),
                    LinkSigner.for_data_dir(settings.data_dir),
                    edition,
                    options=options,
                    progress=advance,
                )
            web.audit.record(
                user=None,
                action="newsletter.send",
                resource=f"newsletter/{edition}",
                result="granted",
                reason=f"cli: {report.sent} sent",
                origin="cli",
            )
        finally:
            web.dispose()
        t = report.totals
        typer.echo(
            f"{subject!r}: this run sent {report.sent}, bounced {report.bounced}, "
            f"failed {report.failed}. In all: {t['sent']} delivered, {t['bounced']} "
            f"bounced, {t['failed']} failed, {t['sending']} in doubt, "
            f"{t['waiting']} waiting."
        )
        if t["failed"] or t["sending"]:
            typer.echo("some mails are not delivered yet: run the command again later to retry")

    @news.command("demo")
    def news_demo(
        data_dir: Path = _DATA_DIR,
        config: Path | None = _CONFIG,
        database_url: str | None = _DB_URL,
    ) -> None:
        """Load the demo news posts (1+MG/B1MG milestones; labelled as demo content)."""
        from onemg.community.news.demo import load_demo_news
        from onemg.web.pages import WebServices

        web = WebServices.for_settings(_hub_settings(data_dir, config, database_url))
        try:
            added = load_demo_news(web.engine)
        finally:
            web.dispose()
        typer.echo(f"{added} demo post(s) added" if added else "the demo posts are there already")

    community.add_typer(newsletter, name="newsletter")
    community.add_typer(news, name="news")
    app.add_typer(community, name="community")
