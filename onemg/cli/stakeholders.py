"""``onemg community remind``: reminders before the deadlines of stakeholder review rounds.

:func:`register` adds the portal's commands to the ``onemg community`` group that an earlier
command module made (list this module after it in :mod:`onemg.cli.commands`), or makes it.
"""

from __future__ import annotations

from pathlib import Path

import typer

_DATA_DIR_HELP = (
    "The hub's data directory; its settings (the \\[mail] table) are "
    "DATA_DIR/hub.toml unless --config names another file."
)


def add_commands(community: typer.Typer) -> None:
    """Add the stakeholder portal's commands to the ``community`` group."""

    @community.command("remind")
    def remind(
        data_dir: Path | None = typer.Option(
            None, "--data-dir", help=_DATA_DIR_HELP, show_default=False
        ),
        config: Path | None = typer.Option(None, "--config", "-c", help="Hub TOML file."),
        before_hours: float = typer.Option(
            48.0,
            "--before-hours",
            min=1.0,
            help="Remind when a round's deadline is this close (hours).",
        ),
    ) -> None:
        """Mail the participants of review rounds whose deadline is near (once per round).

        Only participants who have not commented (early review) or given a verdict
        (validation) yet are reminded, at their confirmed address. Run it from cron, e.g.
        hourly (docs/community-stakeholders.md). Exits with status 1 when a mail failed.
        """
        from onemg.cli.hub import _hub_config
        from onemg.community.stakeholders.reminders import send_reminders
        from onemg.community.stakeholders.wiring import build_portal
        from onemg.mail import mailer_for
        from onemg.web.pages import WebServices
        from onemg.web.signed_links import LinkSigner

        settings, _ = _hub_config(data_dir, config)
        web = WebServices.for_settings(settings)
        try:
            mailer = mailer_for(settings)
            portal = build_portal(
                web,
                mailer=lambda: mailer,
                signer=lambda: LinkSigner.for_data_dir(settings.data_dir),
            )
            done = send_reminders(
                portal.deps,
                portal.reviews,
                before_s=int(before_hours * 3600),
                link=settings.mail.public_url,
            )
        finally:
            web.dispose()
        for r in done:
            typer.echo(
                f"round {r.round_id} ({r.title}): {r.sent} reminder(s) sent"
                + (f", {r.failed} failed" if r.failed else "")
            )
        if not done:
            typer.echo("no round is due for a reminder")
        if any(r.failed for r in done):
            raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add the portal's commands to ``onemg community`` (made here if no module made it yet)."""
    for group in app.registered_groups:
        if group.name == "community" and group.typer_instance is not None:
            add_commands(group.typer_instance)
            return
    community = typer.Typer(help="The community site.", no_args_is_help=True)
    add_commands(community)
    app.add_typer(community, name="community")
