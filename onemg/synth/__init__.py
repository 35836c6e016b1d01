"""Synthetic national cohorts: genomes, health metadata (Phenopackets) and dataset descriptors.

See docs/synth.md for the model and docs/architecture.md for the output contract.
"""

from __future__ import annotations

from onemg.synth.api import CountrySummary, SynthSummary, synthesize

__all__ = ["CountrySummary", "SynthSummary", "synthesize"]
