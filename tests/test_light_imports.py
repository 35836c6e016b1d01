"""The Beacon vocabulary and the DUO matcher import without the web stack, SQL or numpy.

Each import runs in a fresh interpreter, so modules other tests loaded cannot hide a heavy one.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("fastapi", "starlette", "sqlalchemy", "numpy", "alembic")


@pytest.mark.parametrize(
    "module",
    ["onemg.protocol", "onemg.protocol.vocabulary", "onemg.access.duo", "onemg.beacon.policy"],
)
def test_import_loads_no_web_stack(module: str) -> None:
    code = (
        f"import json, sys; import {module}; "
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r})))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert json.loads(out.stdout) == []


def test_the_heavy_check_would_see_a_heavy_import() -> None:
    """The probe itself works: the node's store does load numpy and SQLAlchemy."""
    code = (
        "import json, sys; import onemg.beacon.store, onemg.db; "
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert {"numpy", "sqlalchemy"} <= set(json.loads(out.stdout))
