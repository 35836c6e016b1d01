"""The joint demography of the requested countries.

The European branch of stdpopsim's HomSap ``OutOfAfrica_2T12`` (Tennessen et al. 2012: EUR grows
exponentially over the last ~205 generations, which gives the realistic excess of rare variants)
is the root. Below it, onemg adds a coarse cluster level (e.g. NORTHEAST, SOUTHWEST) that splits
from EUR ``CLUSTER_SPLIT`` generations ago, and each country splits from its cluster
``country.split`` generations ago with its own exponential growth from ``n_split`` to ``n_now``.
Countries exchange migrants, more within a cluster than across clusters. So FI and EE (same
cluster, FI bottlenecked) are closer than FI and PT (different clusters).
"""

from __future__ import annotations

import copy
import math
from collections.abc import Sequence
from typing import Any

import msprime

from onemg.synth.tables import Country

STDPOPSIM_MODEL = "OutOfAfrica_2T12"
CLUSTER_SPLIT = 300  # generations; older than every country split
CLUSTER_SIZE = 10_000
MIGRATION_WITHIN_CLUSTER = 2e-4
MIGRATION_ACROSS_CLUSTERS = 1e-5


def _base_demography() -> msprime.Demography:
    # Imported here: stdpopsim's import is slow-ish and only the simulation step needs it.
    import stdpopsim

    species = stdpopsim.get_species("HomSap")
    return copy.deepcopy(species.get_demographic_model(STDPOPSIM_MODEL).model)


def build_demography(countries: Sequence[Country]) -> msprime.Demography:
    """Build the msprime demography with one population per country (named by ISO code)."""
    demography = _base_demography()
    clusters = sorted({c.cluster for c in countries})
    for cluster in clusters:
        demography.add_population(name=cluster, initial_size=CLUSTER_SIZE)
    for c in countries:
        growth = math.log(c.n_now / c.n_split) / c.split
        demography.add_population(name=c.code, initial_size=c.n_now, growth_rate=growth)
    for cluster in clusters:
        members = [c for c in countries if c.cluster == cluster]
        for split in sorted({c.split for c in members}):
            derived = [c.code for c in members if c.split == split]
            demography.add_population_split(time=split, derived=derived, ancestral=cluster)
    demography.add_population_split(time=CLUSTER_SPLIT, derived=clusters, ancestral="EUR")
    for i, a in enumerate(countries):
        for b in countries[i + 1 :]:
            rate = MIGRATION_WITHIN_CLUSTER if a.cluster == b.cluster else MIGRATION_ACROSS_CLUSTERS
            demography.set_symmetric_migration_rate([a.code, b.code], rate)
    demography.sort_events()
    return demography


def describe(countries: Sequence[Country]) -> dict[str, Any]:
    """The demographic parameters as plain data (written to ``truth/simulation.json``)."""
    return {
        "base_model": f"stdpopsim HomSap {STDPOPSIM_MODEL} (EUR branch is the root)",
        "cluster_split_generations": CLUSTER_SPLIT,
        "cluster_size": CLUSTER_SIZE,
        "migration_within_cluster": MIGRATION_WITHIN_CLUSTER,
        "migration_across_clusters": MIGRATION_ACROSS_CLUSTERS,
        "countries": {
            c.code: {
                "cluster": c.cluster,
                "split_generations": c.split,
                "size_at_split": c.n_split,
                "size_now": c.n_now,
            }
            for c in countries
        },
    }
