"""``onemg access ...`` (committee work, accounts, roles, keys) and ``onemg audit verify``.

The CLI acts directly on the node (or hub) database, so the person at the shell is the operator:
committee commands run with every DAC role. Every change (committee commands, DAC roles,
researcher status) goes through the same service function as the HTTP API and is audited the
same way, under ``--actor`` (a pseudonymous id, default ``operator@cli``) with origin ``cli``.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from onemg.datadir import Kind, require, require_any
from onemg.settings import Settings, load_settings

_DATA_DIR = typer.Option(..., "--data-dir", help="Node or hub data directory.",
                         show_default=False)
_DB_URL = typer.Option(None, "--database-url",
                       help="SQLAlchemy URL (default: SQLite in the data directory).")
_ACTOR = typer.Option("operator@cli", "--actor",
                      help="Pseudonymous id recorded in the audit log for this command.")
_HUB_DIR = typer.Option(
    None, "--hub-data-dir",
    help="The hub's data directory, to show applicants' names and affiliations as the hub "
         "knows them (the node itself knows only pseudonymous subjects).")
_JSON = typer.Option(False, "--json", help="Print JSON instead of a table.")
_COMMENT = typer.Option("", "--comment", "-m", help="Comment recorded with the event.")


def _settings(data_dir: Path, database_url: str | None, kind: Kind | None = None) -> Settings:
    # Checked before anything is opened: a typo'd or wrong-kind --data-dir must not become a
    # fresh empty database (onemg.datadir).
    if kind is None:
        require_any(data_dir)
    else:
        require(data_dir, kind)
    return load_settings(data_dir, database_url=database_url)


def _engine(settings: Settings):  # noqa: ANN202
    from onemg.db import open_database

    return open_database(settings.db_url)


def _service(data_dir: Path, database_url: str | None):  # noqa: ANN202
    from onemg.access.api import anchored_audit
    from onemg.access.applications import ApplicationService
    from onemg.access.duo import DataUse
    from onemg.access.store import EntitlementStore, EventStore
    from onemg.catalogue import Catalogue
    from onemg.errors import NotFoundError

    settings = _settings(data_dir, database_url, "node")
    engine = _engine(settings)
    catalogue = Catalogue(engine)

    def data_use(dataset_id: str) -> DataUse | None:
        # The DUO advice the committee sees comes from the dataset's descriptor, as on the API.
        try:
            conditions = catalogue.dataset(dataset_id).descriptor.get("dataUseConditions")
        except NotFoundError:
            return None
        return DataUse.from_beacon(conditions) if conditions else None

    return ApplicationService(events=EventStore(engine), entitlements=EntitlementStore(engine),
                              audit=anchored_audit(settings, engine), access=settings.access,
                              data_use=data_use)


def _operator(actor: str):  # noqa: ANN202
    from onemg.access.applications import ROLES, Actor

    return Actor(actor, frozenset(ROLES), origin="cli")


def _show(app) -> None:  # noqa: ANN001
    from onemg.access.schemas import application_view

    typer.echo(json.dumps(application_view(app, now=int(time.time())), indent=2))


def _accounts(data_dir: Path, database_url: str | None):  # noqa: ANN202
    from onemg.access.accounts import LocalAccounts
    from onemg.access.store import AccountStore

    return LocalAccounts(AccountStore(_engine(_settings(data_dir, database_url, "hub"))))


def _audited(data_dir: Path, database_url: str | None, store_type,  # noqa: ANN001, ANN202
             kind: Kind):
    """A store of ``store_type`` and the (anchored) audit log of the same data directory."""
    from onemg.access.api import anchored_audit

    settings = _settings(data_dir, database_url, kind)
    engine = _engine(settings)
    return store_type(engine), anchored_audit(settings, engine)


def _researcher_status(user_name: str, data_dir: Path, database_url: str | None, *,
                       actor: str, granted: bool, by: str = "so") -> None:
    from onemg.access.accounts import LocalAccounts
    from onemg.access.hub_service import change_researcher_status
    from onemg.access.store import AccountStore

    store, audit = _audited(data_dir, database_url, AccountStore, "hub")
    change_researcher_status(LocalAccounts(store), audit, actor=actor, username=user_name,
                             granted=granted, origin="cli", by=by)


def _role(subject: str, role_name: str, data_dir: Path, database_url: str | None, *,
          actor: str, granted: bool) -> None:
    from onemg.access.roles import change_role
    from onemg.access.store import RoleStore

    roles, audit = _audited(data_dir, database_url, RoleStore, "node")
    change_role(roles, audit, actor=actor, subject=subject, role=role_name, granted=granted,
                origin="cli")


def _register_committee(access: typer.Typer) -> None:
    def views(svc, apps, hub_data_dir: Path | None) -> list[dict]:  # noqa: ANN001
        from onemg.access.committee import Applicant, committee_view, hub_directory

        lookup = hub_directory(hub_data_dir) if hub_data_dir else (lambda _sub: Applicant())
        op = _operator("operator@cli")
        now = int(time.time())
        return [committee_view(a, now=now, applicant=lookup(a.applicant),
                               advice=svc.duo_advice(a.id, op)) for a in apps]

    def who(v: dict) -> str:
        if v["applicantName"] is None:
            return f"{v['applicant']} (not in a hub directory here)"
        return f"{v['applicantName']} <{v['applicantAffiliation'] or 'no affiliation'}>"

    def advice_text(v: dict) -> str:
        return "; ".join(f"{ds}: {a['verdict']} ({' '.join(a['reasons'])})"
                         for ds, a in v["duoAdvice"].items())

    @access.command("list")
    def list_applications(data_dir: Path = _DATA_DIR, database_url: str | None = _DB_URL,
                          state: str | None = typer.Option(None, "--state",
                                                           help="Only this state."),
                          hub_data_dir: Path | None = _HUB_DIR,
                          as_json: bool = _JSON) -> None:
        """List applications: full ids, applicant, ISO times, DUO advice with reasons."""
        svc = _service(data_dir, database_url)
        found = views(svc, svc.list(_operator("operator@cli"), state=state), hub_data_dir)
        if as_json:
            typer.echo(json.dumps(found, indent=2))
            return
        table = Table("id", "state", "applicant", "datasets", "title", "submitted", "DUO advice")
        for v in found:
            table.add_row(v["id"], v["state"], who(v), ",".join(v["datasets"]),
                          v["form"]["title"], v["submittedAt"] or "", advice_text(v))
        Console(width=240).print(table)

    @access.command("show")
    def show(app_id: str = typer.Argument(..., help="Application id (full, as listed)."),
             data_dir: Path = _DATA_DIR, database_url: str | None = _DB_URL,
             hub_data_dir: Path | None = _HUB_DIR, as_json: bool = _JSON) -> None:
        """Show one application with its history and DUO advice."""
        svc = _service(data_dir, database_url)
        (v,) = views(svc, [svc.get(app_id, _operator("operator@cli"))], hub_data_dir)
        if as_json:
            typer.echo(json.dumps(v, indent=2))
            return
        table = Table("field", "value", show_header=False)
        purpose = v["form"]["purpose"]
        for key, value in (("id", v["id"]), ("state", v["state"]), ("applicant", who(v)),
                           ("subject", v["applicant"]), ("datasets", ", ".join(v["datasets"])),
                           ("title", v["form"]["title"]), ("summary", v["form"]["summary"]),
                           ("institution", v["form"]["institution"]),
                           ("purpose", ", ".join(purpose["terms"])
                            + (f" disease {purpose['disease']}" if purpose["disease"] else "")
                            + (" commercial" if purpose["commercial"] else "")
                            + (" for-profit organisation"
                               if purpose.get("non_profit_organisation") is False else "")),
                           ("created", v["createdAt"]), ("submitted", v["submittedAt"]),
                           ("decided", v["decidedAt"]), ("access from", v["entitlementStart"]),
                           ("access until", v["entitlementEnd"]),
                           ("DUO advice", advice_text(v))):
            table.add_row(key, str(value or ""))
        for e in v["events"]:
            table.add_row(f"event {e['seq']}", f"{e['at']} {e['kind']} by {e['actor']}")
        Console(width=200).print(table)

    def command(name: str, method: str, help_text: str) -> None:
        def run(app_id: str, data_dir: Path = _DATA_DIR, database_url: str | None = _DB_URL,
                comment: str = _COMMENT, actor: str = _ACTOR) -> None:
            svc = _service(data_dir, database_url)
            _show(getattr(svc, method)(app_id, _operator(actor), comment))

        run.__doc__ = help_text
        access.command(name)(run)

    command("approve", "approve", "Approve (entitlements start after the veto window).")
    command("reject", "reject", "Reject.")
    command("return", "return_", "Return to the applicant for changes.")
    command("close", "close", "Close without a decision.")
    command("veto", "veto", "National-authority veto during the veto window.")
    command("revoke", "revoke", "Revoke an approved application (effective next request).")
    command("remark", "remark", "Add a committee remark.")

    @access.command("entitlements")
    def entitlements(data_dir: Path = _DATA_DIR, database_url: str | None = _DB_URL,
                     user: str | None = typer.Option(None, help="Only this subject.")) -> None:
        """List entitlements."""
        from onemg.access.store import EntitlementStore

        now = int(time.time())
        engine = _engine(_settings(data_dir, database_url, "node"))
        table = Table("application", "subject", "dataset", "start", "end", "status")
        for e in EntitlementStore(engine).find(subject=user):
            status = e.revoked_reason or ("active" if e.active(now) else
                                          "pending" if now < e.start else "expired")
            table.add_row(e.application_id, e.subject, e.dataset_id,
                          time.strftime("%Y-%m-%d", time.gmtime(e.start)),
                          time.strftime("%Y-%m-%d", time.gmtime(e.end)), status)
        Console().print(table)


def _register_people(access: typer.Typer) -> None:
    user = typer.Typer(help="Local hub accounts.", no_args_is_help=True)
    access.add_typer(user, name="user")

    @user.command("create")
    def create(username: str, data_dir: Path = _DATA_DIR, database_url: str | None = _DB_URL,
               password: str = typer.Option(..., prompt=True, hide_input=True,
                                            confirmation_prompt=True,
                                            envvar="ONEMG_NEW_PASSWORD"),
               affiliation: str | None = typer.Option(None, help="role@organisation"),
               email: str | None = typer.Option(
                   None, help="Where the hub's notifications go (taken as confirmed)."),
               admin: bool = typer.Option(False, "--admin")) -> None:
        """Create a hub account (prints its pseudonymous subject)."""
        accounts = _accounts(data_dir, database_url)
        identity = accounts.create(username, password, affiliation=affiliation, is_admin=admin,
                                   email=email)
        if email:
            # The operator typed it in: confirmed; self-service changes go through a mail.
            accounts.set_email(identity.sub, email, verified=True)
        typer.echo(identity.sub)

    @user.command("list")
    def list_users(data_dir: Path = _DATA_DIR, database_url: str | None = _DB_URL) -> None:
        """List hub accounts."""
        for username, sub in _accounts(data_dir, database_url).usernames():
            typer.echo(f"{username}\t{sub}")

    @access.command("grant-researcher")
    def grant_researcher(user_name: str, data_dir: Path = _DATA_DIR,
                         database_url: str | None = _DB_URL,
                         by: str = typer.Option("so", help="so (signing official) or system"),
                         actor: str = _ACTOR) -> None:
        """Grant bona fide researcher status (ResearcherStatus visa); audited."""
        _researcher_status(user_name, data_dir, database_url, actor=actor, granted=True, by=by)
        typer.echo(f"researcher status granted to {user_name}")

    @access.command("revoke-researcher")
    def revoke_researcher(user_name: str, data_dir: Path = _DATA_DIR,
                          database_url: str | None = _DB_URL, actor: str = _ACTOR) -> None:
        """Withdraw researcher status; audited."""
        _researcher_status(user_name, data_dir, database_url, actor=actor, granted=False)
        typer.echo(f"researcher status revoked for {user_name}")

    role = typer.Typer(help="DAC roles on this node: handler, reviewer, decider, authority.",
                       no_args_is_help=True)
    access.add_typer(role, name="role")

    @role.command("grant")
    def grant(subject: str, role_name: str, data_dir: Path = _DATA_DIR,
              database_url: str | None = _DB_URL, actor: str = _ACTOR) -> None:
        """Give SUBJECT (a passport ``sub``) a DAC role; audited."""
        _role(subject, role_name, data_dir, database_url, actor=actor, granted=True)
        typer.echo(f"{subject} is now {role_name}")

    @role.command("revoke")
    def revoke(subject: str, role_name: str, data_dir: Path = _DATA_DIR,
               database_url: str | None = _DB_URL, actor: str = _ACTOR) -> None:
        """Take a DAC role away; audited."""
        _role(subject, role_name, data_dir, database_url, actor=actor, granted=False)
        typer.echo(f"{subject} is no longer {role_name}")

    @role.command("list")
    def list_roles(data_dir: Path = _DATA_DIR, database_url: str | None = _DB_URL) -> None:
        """List DAC roles."""
        from onemg.access.store import RoleStore

        for subject, name in RoleStore(_engine(_settings(data_dir, database_url, "node"))).all():
            typer.echo(f"{subject}\t{name}")

    site_role = typer.Typer(
        help="Hub site roles: stakeholder, wp_leader, coordinator, editor.", no_args_is_help=True)
    access.add_typer(site_role, name="site-role")

    def _site_role(user_name: str, role_name: str, data_dir: Path, database_url: str | None,
                   actor: str, granted: bool) -> None:
        from onemg.access.site_roles import change_site_role
        from onemg.access.store import SiteRoleStore

        roles, audit = _audited(data_dir, database_url, SiteRoleStore, "hub")
        change_site_role(roles, audit, actor=actor,
                         subject=_accounts(data_dir, database_url).sub_of(user_name),
                         role=role_name, granted=granted, origin="cli")

    @site_role.command("grant")
    def grant_site_role(user_name: str, role_name: str, data_dir: Path = _DATA_DIR,
                        database_url: str | None = _DB_URL, actor: str = _ACTOR) -> None:
        """Give hub account USER_NAME a site role; audited."""
        _site_role(user_name, role_name, data_dir, database_url, actor, True)
        typer.echo(f"{user_name} is now {role_name}")

    @site_role.command("revoke")
    def revoke_site_role(user_name: str, role_name: str, data_dir: Path = _DATA_DIR,
                         database_url: str | None = _DB_URL, actor: str = _ACTOR) -> None:
        """Take a site role away from hub account USER_NAME; audited."""
        _site_role(user_name, role_name, data_dir, database_url, actor, False)
        typer.echo(f"{user_name} is no longer {role_name}")

    keys = typer.Typer(help="Signing keys.", no_args_is_help=True)
    access.add_typer(keys, name="keys")

    @keys.command("show")
    def show_keys(data_dir: Path = _DATA_DIR,
                  hub: bool = typer.Option(False, "--hub", help="The hub's passport key.")
                  ) -> None:
        """Print the public JWKS (created on first use); never prints private keys."""
        from onemg.access.api import hub_key, node_key
        from onemg.access.keys import jwks

        settings = _settings(data_dir, None, "hub" if hub else "node")
        typer.echo(json.dumps(jwks(hub_key(settings) if hub else node_key(settings)), indent=2))


def register(app: typer.Typer) -> None:
    """Attach ``onemg access ...`` and ``onemg audit ...`` to the root CLI."""
    access = typer.Typer(help="Controlled access: DAC applications, accounts, roles, keys.",
                         no_args_is_help=True)
    app.add_typer(access, name="access")
    _register_committee(access)
    _register_people(access)

    audit = typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)
    app.add_typer(audit, name="audit")

    @audit.command("verify")
    def verify(data_dir: Path = _DATA_DIR, database_url: str | None = _DB_URL,
               anchors: Path | None = typer.Option(
                   None, "--anchors", help="Anchor file to check against (default: "
                   "DATA_DIR/audit-anchors.jsonl).")) -> None:
        """Check the audit chain and its anchors; exits 1 and names the first bad entry if the
        log was altered, re-chained or truncated."""
        from onemg.access.audit import ANCHOR_FILE, AnchorFile, verify_store
        from onemg.access.store import AuditStore
        from onemg.errors import IntegrityError

        anchor_file = AnchorFile(anchors or data_dir / ANCHOR_FILE)
        try:
            report = verify_store(AuditStore(_engine(_settings(data_dir, database_url, None))),
                                  anchor_file)
            n_anchors = len(anchor_file.read())
        except IntegrityError as exc:
            typer.echo(f"audit anchors UNREADABLE: {exc}", err=True)
            raise typer.Exit(1) from None
        if not report.ok:
            typer.echo(f"audit log TAMPERED at entry {report.first_bad_seq}: {report.problem} "
                       f"({report.entries} entries verified before it)", err=True)
            raise typer.Exit(1)
        if n_anchors == 0:
            typer.echo(f"warning: no anchors in {anchor_file.path}: an edited and re-chained or "
                       "truncated log cannot be detected", err=True)
        typer.echo(f"audit log intact: {report.entries} entries, head {report.head_hash}, "
                   f"{n_anchors} anchor(s) matched")

    @audit.command("anchor")
    def anchor(data_dir: Path = _DATA_DIR, database_url: str | None = _DB_URL) -> None:
        """Append the current head to the anchor file now (nodes also do it on their own)."""
        from onemg.access.audit import ANCHOR_FILE, AnchorFile
        from onemg.access.store import AuditStore

        head = AuditStore(_engine(_settings(data_dir, database_url))).last()
        if head is None:
            typer.echo("the audit log is empty; nothing to anchor")
            return
        written = AnchorFile(data_dir / ANCHOR_FILE).write(head.seq, head.hash)
        typer.echo(f"anchored entry {written.seq} ({written.hash}) at {written.at}")

    @audit.command("tail")
    def tail(data_dir: Path = _DATA_DIR, database_url: str | None = _DB_URL,
             n: int = typer.Option(20, "--lines", "-n", help="How many entries.")) -> None:
        """Print the newest entries as JSON lines."""
        from onemg.access.store import AuditStore

        entries = list(AuditStore(_engine(_settings(data_dir, database_url, None))).entries())
        for e in entries[-n:]:
            sys.stdout.write(json.dumps(e.__dict__) + "\n")
