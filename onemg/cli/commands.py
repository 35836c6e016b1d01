"""The list of command groups; each module exposes ``register(app)``."""

from __future__ import annotations

import importlib

import typer

# One module per command group. A module listed here must define ``register(app)``.
_GROUPS = (
    "onemg.cli.synth",  # onemg synth
    "onemg.cli.ingest",  # onemg ingest, onemg datasets ..., onemg index ...
    "onemg.cli.node",  # onemg node serve
    "onemg.cli.access",  # onemg access ..., onemg audit ...
    "onemg.cli.hub",  # onemg hub serve
    "onemg.cli.demo",  # onemg demo
    "onemg.cli.mlm",  # onemg mlm ...
    "onemg.cli.retrieval",  # onemg keys generate, onemg archive verify, onemg fetch
    "onemg.cli.doctor",  # onemg doctor
    "onemg.cli.researcher",  # onemg login, passport, apply, applications, query, duo
    "onemg.cli.community",  # onemg community newsletter ..., onemg community news ...
    "onemg.cli.stakeholders",  # onemg community remind (after any module that makes "community")
    "onemg.cli.privacy_attack",  # onemg privacy attack
)


def register_all(app: typer.Typer) -> None:
    """Attach every command group to ``app``."""
    for name in _GROUPS:
        importlib.import_module(name).register(app)
