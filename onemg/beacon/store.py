"""The node's data as the Beacon sees it: catalogue + one variant index per dataset.

:class:`NodeData` is built once in the app lifespan (``NodeData.open(settings)``) and kept on
``app.state``. It precomputes what every request needs (the dataset list, their access maps, the
open indexes) and caches filter -> individual-set resolutions, so a repeated phenotype filter
costs a dictionary lookup. It follows re-ingests: see :meth:`NodeData.refresh_if_stale`.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from threading import Lock
from typing import Any, Protocol

import numpy as np

from onemg.beacon.frequencies import Cohort
from onemg.errors import InvalidInputError, NotFoundError
from onemg.individual_set import IndividualSet
from onemg.protocol.filters import Filter
from onemg.protocol.vocabulary import DEFAULT_ACCESS
from onemg.settings import Settings


class IndexLike(Protocol):
    """The part of ``onemg.genomics.VariantIndex`` the Beacon uses."""

    n_individuals: int
    n_variants: int
    groups: list[tuple[str, str]] | None
    sample_group: np.ndarray | None

    def find(self, q: Any) -> np.ndarray: ...
    def lookup(self, internal_id: str) -> int: ...
    def variants(self, rows: Any) -> list[Any]: ...
    def zygosity(self, row: int) -> tuple[np.ndarray, np.ndarray]: ...
    def group_genotypes(self, row: int) -> np.ndarray: ...
    def carrier_counts(self, rows: Any) -> np.ndarray: ...
    def count_carriers(self, rows: Any, within: IndividualSet | None = None) -> int: ...
    def max_allele_frequency(self, rows: Any) -> float: ...
    def carrier_set(self, rows: Any, within: IndividualSet | None = None) -> IndividualSet: ...
    def rows_carried_by(self, rows: Any, within: IndividualSet) -> np.ndarray: ...


@dataclass(frozen=True)
class DatasetHandle:
    """One published dataset: its catalogue facts and its open variant index."""

    id: str
    info: Any  # onemg.catalogue.DatasetInfo
    index: IndexLike
    access: Mapping[str, str]
    n: int
    country: str | None = None
    title: str = ""
    version: str = ""


def _handles(infos: Sequence[Any], open_index: Any) -> dict[str, DatasetHandle]:
    handles = {}
    for info in infos:
        index = open_index(info)
        handles[info.id] = DatasetHandle(
            id=info.id, info=info, index=index, access=_access(info),
            n=int(index.n_individuals), country=getattr(info, "country", None),
            title=getattr(info, "title", "") or info.id,
            version=str(getattr(info, "version", "") or ""))
    return handles


def _access(info: Any) -> dict[str, str]:
    raw = getattr(info, "access", None) or {}
    return {g: str(raw.get(g, DEFAULT_ACCESS[g])).upper() for g in DEFAULT_ACCESS}


@dataclass
class NodeData:
    """Catalogue, datasets and indexes of one node, plus bounded caches (per app, not global)."""

    catalogue: Any
    handles: dict[str, DatasetHandle]
    gene_lookup: Any = None
    cache_size: int = 512
    #: Opens a dataset's index; when set, :meth:`refresh_if_stale` follows re-ingests.
    open_index: Any = None
    #: Seconds between checks of the catalogue's published versions.
    refresh_s: float = 2.0
    _cache: OrderedDict = field(default_factory=OrderedDict, repr=False)
    _lock: Lock = field(default_factory=Lock, repr=False)
    _checked: float = field(default_factory=time.monotonic, repr=False)

    @classmethod
    def open(cls, settings: Settings, engine: Any = None) -> NodeData:
        """Open the catalogue and every published dataset's index.

        ``engine`` is the process's engine (``onemg.db.open_database``, shared with the rest of
        the node); default: open one for ``settings.db_url``. A fresh node (nothing ingested
        yet) serves an empty catalogue.
        """
        from onemg.catalogue import Catalogue
        from onemg.db import open_database
        from onemg.genomics import VariantIndex, gene_region

        engine = engine if engine is not None else open_database(settings.db_url)
        catalogue = Catalogue(engine)
        data = cls.from_catalogue(
            catalogue,
            lambda info: VariantIndex.open(Path(settings.data_dir) / info.data_path / "index"),
            gene_lookup=gene_region,
        )
        data.warm()
        return data

    def refresh_if_stale(self) -> bool:
        """Follow datasets published, replaced or deleted since start-up.

        Checks the catalogue's current versions at most every ``refresh_s`` seconds; when
        they changed, opens the new indexes and drops cached filter sets. Returns True when
        the datasets changed. Requests already running keep the handles they hold.
        """
        if self.open_index is None or time.monotonic() - self._checked < self.refresh_s:
            return False
        with self._lock:
            if time.monotonic() - self._checked < self.refresh_s:
                return False
            self._checked = time.monotonic()
            infos = self.catalogue.datasets()
            current = {h.id: h.version for h in self.handles.values()}
            if {i.id: str(i.version) for i in infos} == current:
                return False
            self.handles = _handles(infos, self.open_index)
            self._cache.clear()
            return True

    def warm(self) -> None:
        """Pay first-query costs at start-up, not on a caller's request: load the catalogue's
        per-dataset columns and its ontology, and cache the two sex filters."""
        from onemg.catalogue import OntologyFilter

        for ds in self.datasets():
            for term in ("NCIT:C16576", "NCIT:C20197"):
                self.filter_set(ds.id, (OntologyFilter(term),))
        ontology = getattr(self.catalogue, "ontology", None)
        if ontology is not None and self.handles:
            # Any HPO term resolution loads the ontology once for the process.
            first = next(iter(self.handles))
            try:
                self.catalogue.individual_set(first, [OntologyFilter("HP:0000118")])
            except InvalidInputError:
                pass

    @classmethod
    def from_catalogue(cls, catalogue: Any, open_index: Any, *, gene_lookup: Any = None
                       ) -> NodeData:
        """Build from a catalogue and a function opening a dataset's index."""
        return cls(catalogue, _handles(catalogue.datasets(), open_index), gene_lookup,
                   open_index=open_index)

    # datasets ----------------------------------------------------------------------------
    def datasets(self) -> list[DatasetHandle]:
        """Every published dataset, in id order."""
        return [self.handles[k] for k in sorted(self.handles)]

    def dataset(self, dataset_id: str) -> DatasetHandle:
        """One dataset; raises NotFoundError naming the known ids."""
        try:
            return self.handles[dataset_id]
        except KeyError:
            raise NotFoundError(
                f"dataset {dataset_id!r} is not published on this node; known datasets: "
                f"{', '.join(sorted(self.handles)) or 'none'}") from None

    def gene_region(self, symbol: str) -> tuple[str, int, int]:
        """Gene symbol -> (contig, start0, end0); unknown symbols are a 400, not a 404."""
        if self.gene_lookup is None:
            raise InvalidInputError("geneId queries are not available on this node")
        try:
            return self.gene_lookup(symbol)
        except NotFoundError as exc:
            raise InvalidInputError(str(exc)) from None

    # individuals -------------------------------------------------------------------------
    def filter_set(self, dataset_id: str, filters: Sequence[Filter]) -> IndividualSet | None:
        """Individuals matching every filter (``None`` = no filters = everyone); cached."""
        if not filters:
            return None
        key = (dataset_id, self.handles[dataset_id].version, tuple(filters))
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
                return hit
        result = self.catalogue.individual_set(dataset_id, list(filters))
        with self._lock:
            self._cache[key] = result
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
        return result

    def cohort(self, dataset_id: str) -> Cohort:
        """The individuals by sex and country (for allele frequencies); cached per dataset
        version, like filter sets."""
        key = ("cohort", dataset_id, self.handles[dataset_id].version)
        with self._lock:
            hit = self._cache.get(key)
        if hit is None:
            index = self.handles[dataset_id].index
            hit = Cohort.from_strata(self.catalogue.strata(dataset_id),
                                     self.handles[dataset_id].n, groups=index.groups,
                                     sample_group=index.sample_group)
            with self._lock:
                self._cache[key] = hit
                while len(self._cache) > self.cache_size:
                    self._cache.popitem(last=False)
        return hit

    def filters_cached(self, filters: Sequence[Filter]) -> bool:
        """True when ``filters`` are resolved for every dataset (no SQL needed to answer)."""
        if not filters:
            return True
        key = tuple(filters)
        with self._lock:
            return all((ds, h.version, key) in self._cache for ds, h in self.handles.items())

    def index_of(self, dataset_id: str, entity: str, record_id: str) -> int | None:
        """Dense index of a record in a dataset, or ``None`` when it is not there."""
        try:
            return int(self.catalogue.index_of(dataset_id, entity, record_id))
        except (NotFoundError, KeyError, LookupError):
            return None

    def records(self, dataset_id: str, entity: str, indices: np.ndarray) -> list[dict]:
        """Default-model records of one per-individual entity for ``indices``."""
        method = {"individual": "individual_records", "biosample": "biosample_records",
                  "run": "run_records", "analysis": "analysis_records"}[entity]
        return list(getattr(self.catalogue, method)(dataset_id, [int(i) for i in indices]))

    def collections(self, entity: str) -> list[dict]:
        """Dataset or cohort records."""
        if entity == "dataset":
            return list(self.catalogue.dataset_records())
        return list(self.catalogue.cohort_records())

    def filtering_terms(self, dataset_id: str | None = None) -> list[dict]:
        """Filtering terms present (in one dataset, or anywhere on the node)."""
        return list(self.catalogue.filtering_terms(dataset_id))
