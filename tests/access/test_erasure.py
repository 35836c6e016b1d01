"""Deleting a hub account: the inventory covers the schema, and the erased rows really go."""

from __future__ import annotations

from sqlalchemy import inspect, text

from onemg.access.accounts import LocalAccounts
from onemg.access.erasure import ERASED, ERASED_BY_PART, KEPT, NOT_A_PERSON, PERSON_COLUMNS
from onemg.access.store import AccountStore
from onemg.db import make_engine, migrate
from onemg.governance.mlm.store import MlmStore
from onemg.portal.basket import Basket
from onemg.portal.notifications import Watches
from onemg.web.sessions import Sessions, SessionStore

PASSWORD = "correct horse battery"


def test_every_column_naming_a_person_is_in_the_inventory(tmp_path) -> None:  # noqa: ANN001
    engine = make_engine(f"sqlite:///{tmp_path / 'schema.db'}")
    migrate(engine)
    schema = inspect(engine)
    person_columns = {
        (table, column["name"])
        for table in schema.get_table_names()
        for column in schema.get_columns(table)
        if column["name"] in PERSON_COLUMNS
    }
    erased = set(ERASED)
    listed = [erased, set(ERASED_BY_PART), set(KEPT), set(NOT_A_PERSON)]
    # Each column is listed once: erased here, erased by its part, or kept with a reason.
    for column in sorted(person_columns):
        homes = [i for i, group in enumerate(listed) if column in group]
        assert len(homes) == 1, f"{column}: list it once in onemg/access/erasure.py ({homes})"
    # And nothing listed is stale (a renamed or dropped table or column).
    for group in listed:
        assert group <= person_columns, group - person_columns
    assert all(reason.strip() for reason in [*KEPT.values(), *NOT_A_PERSON.values()])
    engine.dispose()


def test_deleting_an_account_erases_its_rows_and_no_one_elses(db_url: str) -> None:
    engine = make_engine(db_url)
    migrate(engine)
    accounts = LocalAccounts(AccountStore(engine))
    gone = accounts.create("gone", PASSWORD).sub
    stays = accounts.create("stays", PASSWORD).sub
    sessions = Sessions(SessionStore(engine))
    basket, watches, mlm = Basket(engine), Watches(engine), MlmStore(engine)
    for sub in (gone, stays):
        sessions.start(sub)  # one browser...
        sessions.start(sub)  # ...and another
        basket.add(sub, "fi", "synth-fi")
        watches.remember(sub, "fi", "app-1", "submitted")
        mlm.grant("FI", sub, "coordinator")

    def rows(sub: str) -> dict[str, int]:
        with engine.connect() as c:
            return {
                table: c.execute(
                    text(f"SELECT count(*) FROM {table} WHERE {column} = :s"), {"s": sub}
                ).scalar_one()
                for table, column in ERASED
            }

    before = rows(gone)
    assert before == {
        "web_sessions": 2,
        "portal_basket": 1,
        "portal_application_watch": 1,
        "mlm_system_roles": 1,
        "access_accounts": 1,
    }
    accounts.delete(gone)
    assert rows(gone) == dict.fromkeys(before, 0)
    assert rows(stays) == before  # the other account keeps everything
    engine.dispose()
