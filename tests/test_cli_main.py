"""The CLI builds its command tree per call: calling main() twice registers nothing twice."""

from __future__ import annotations

import typer.main

from onemg.cli import build_app, main


def _group_names(app: typer.Typer) -> list[str]:
    return [g.name or "" for g in app.registered_groups] + [
        c.name or "" for c in app.registered_commands
    ]


def test_main_twice_registers_each_group_once(capsys) -> None:  # noqa: ANN001
    assert main(["version"]) == 0
    assert main(["version"]) == 0
    assert capsys.readouterr().out.splitlines() == ["0.1.0", "0.1.0"]
    names = _group_names(build_app())
    assert len(names) == len(set(names)), names
    assert {"node", "hub", "access", "demo", "synth"} <= set(names)
    # The click command typer builds lists every group once too.
    command = typer.main.get_command(build_app())
    assert sorted(command.commands) == sorted(set(command.commands))  # type: ignore[attr-defined]


def test_help_is_the_same_on_the_second_call(capsys) -> None:  # noqa: ANN001
    """A second registration would list every group twice in the second help text."""
    assert main(["--help"]) == 0
    first = capsys.readouterr().out
    assert main(["--help"]) == 0
    second = capsys.readouterr().out
    assert first == second
    assert sum(line.lstrip("│ ").startswith("node ") for line in first.splitlines()) == 1
