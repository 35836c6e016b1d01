from sqlalchemy import text

from onemg.db import make_engine


def test_both_databases_answer(db_url: str) -> None:
    engine = make_engine(db_url)
    with engine.connect() as conn:
        assert conn.execute(text("select 1 + 1")).scalar() == 2
