"""What a data directory is: a node's or the hub's, and in which format version.

Every data directory holds ``onemg-data.json`` (``{"kind": "node"|"hub", "format": 1}``). The
commands that make a directory (``onemg ingest`` for a node, ``onemg hub serve`` for the hub)
write it; every other command checks it first, so that a typo in ``--data-dir`` or a hub
directory passed to a node command fails with a message instead of silently creating a fresh,
empty database (after which a user gets "wrong username or password" and nobody knows why).

Directories made before the marker existed are recognised by what they hold (a hub's passport
key, a node's datasets or visa key) and marked on first use.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from onemg.errors import InvalidInputError, NotFoundError

Kind = Literal["node", "hub"]
MARKER = "onemg-data.json"
#: Bumped when the directory layout changes in a way older code cannot read.
FORMAT_VERSION = 1

_MAKE = {
    "node": "`onemg ingest --data-dir DIR COHORT`",
    "hub": "`onemg hub serve --data-dir DIR` (with DIR/hub.toml)",
}


def _marker(path: Path) -> dict | None:
    try:
        raw = json.loads((path / MARKER).read_text())
    except FileNotFoundError:
        return None
    except (OSError, json.JSONDecodeError) as exc:
        raise InvalidInputError(
            f"{path / MARKER}: unreadable ({exc}); restore it from backup, "
            "or delete it to let onemg recognise the directory"
        ) from exc
    if not isinstance(raw, dict) or raw.get("kind") not in ("node", "hub"):
        raise InvalidInputError(f"{path / MARKER}: not a onemg data directory marker")
    return raw


#: What onemg (or an operator preparing a directory) puts in a data directory. An unmarked
#: directory holding some of these, but nothing that tells node from hub (say, just a database),
#: is taken as the kind the first command asks for; one holding none of them is refused.
_ONEMG_FILES = frozenset(
    {
        "onemg.toml",
        "hub.toml",
        "keys",
        "datasets",
        "tmp",
        "logs",
        ".ingest.lock",
        "audit-anchors.jsonl",
    }
)


def _looks_onemg(name: str) -> bool:
    return name in _ONEMG_FILES or name.startswith("node.db")


def _guess(path: Path) -> Kind | None:
    """The kind of an unmarked directory from what it holds (None when empty or unclear)."""
    hub = (path / "keys" / "hub-signing.pem").exists()
    node = (path / "datasets").is_dir() or (path / "keys" / "node-visa-signing.pem").exists()
    if hub and not node:
        return "hub"
    if node and not hub:
        return "node"
    return None


def _write(path: Path, kind: Kind) -> None:
    body = {
        "kind": kind,
        "format": FORMAT_VERSION,
        "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    tmp = path / f".{MARKER}.tmp"
    tmp.write_text(json.dumps(body, indent=1) + "\n")
    os.replace(tmp, path / MARKER)


def _check(path: Path, kind: Kind, marker: dict, command: str) -> None:
    if marker["kind"] != kind:
        raise InvalidInputError(
            f"--data-dir {path} is a {marker['kind']} data directory; {command} needs a "
            f"{kind}'s (check --data-dir)"
        )
    fmt = marker.get("format")
    if not isinstance(fmt, int) or fmt > FORMAT_VERSION:
        raise InvalidInputError(
            f"{path} has data directory format {fmt!r}, newer than this onemg understands "
            f"({FORMAT_VERSION}); upgrade onemg (docs/deploy.md, Upgrades)"
        )


def kind_of(path: Path) -> Kind | None:
    """The recorded (or recognisable) kind of ``path``, or None."""
    marker = _marker(path) if path.is_dir() else None
    return marker["kind"] if marker else (_guess(path) if path.is_dir() else None)


def require(path: Path | str, kind: Kind, *, command: str = "this command") -> Path:
    """Check that ``path`` is an existing ``kind`` data directory; mark a recognised old one.

    Raises:
        NotFoundError: no such directory (a typo?), with how to make one.
        InvalidInputError: it is the other kind, or not recognisable as either.
    """
    path = Path(path)
    if not path.is_dir():
        raise NotFoundError(
            f"--data-dir {path}: no such directory (a typo?); a {kind} data "
            f"directory is made by {_MAKE[kind]}"
        )
    marker = _marker(path)
    if marker is None:
        guessed = _guess(path)
        names = [p.name for p in path.iterdir()]
        if guessed is None and names and not any(_looks_onemg(n) for n in names):
            raise InvalidInputError(
                f"--data-dir {path} is not a onemg data directory (no {MARKER}); check "
                f"--data-dir, or make a {kind} with {_MAKE[kind]}"
            )
        marker = {"kind": guessed or kind, "format": FORMAT_VERSION}
        _check(path, kind, marker, command)
        _write(path, kind)
        return path
    _check(path, kind, marker, command)
    return path


@contextmanager
def creating(path: Path | str, kind: Kind, *, command: str = "this command") -> Iterator[Path]:
    """Make ``path`` a ``kind`` data directory for the ``with`` body, or check the one there.

    A directory this call created is removed again if the body raises, so a failed first
    command leaves nothing behind.
    """
    import shutil

    path = Path(path)
    if path.exists():
        yield require(path, kind, command=command)
        return
    top = path.absolute()
    while not top.parent.exists():
        top = top.parent
    path.mkdir(parents=True)
    try:
        _write(path, kind)
        yield path
    except BaseException:
        shutil.rmtree(top, ignore_errors=True)
        raise


def require_any(path: Path | str, *, command: str = "this command") -> Kind:
    """Check that ``path`` is a node or hub data directory; return which."""
    path = Path(path)
    kind = kind_of(path)
    if kind is None:
        require(path, "node", command=command)  # raises the right message
        kind = "node"
    require(path, kind, command=command)
    return kind
