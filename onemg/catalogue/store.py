"""The catalogue store: dataset versions, their metadata rows, and filters -> individual sets.

Writers stage a complete version in one transaction and publish it by moving the dataset's
``current_version`` pointer in another; readers only ever follow that pointer, so a query sees
either the old version or the new one, never a mix.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, and_, delete, func, insert, select, update

from onemg.catalogue import beacon_records as br
from onemg.catalogue import tables as t
from onemg.catalogue.filters import Filter, UnknownFilterError, canonical, check_scope
from onemg.catalogue.queries import Columns, bulk_insert, compute_set, load_columns
from onemg.catalogue.records import SEXES, IndividualRecord
from onemg.catalogue.rows import build_rows
from onemg.errors import ConflictError, InvalidInputError, NotFoundError
from onemg.individual_set import IndividualSet
from onemg.ontology import SEX_TERMS, Ontology, load_ontology

_IN_CHUNK = 900  # SQLite allows 999 bound parameters per statement by default


@dataclass(frozen=True)
class DatasetInfo:
    """A published dataset as the query side sees it (its current version)."""

    id: str
    version: str
    title: str
    description: str
    country: str | None
    n_individuals: int
    created: datetime
    descriptor: dict[str, Any]
    #: Beacon granularity (``boolean``/``count``/``record``) -> tier (PUBLIC/REGISTERED/CONTROLLED).
    access: dict[str, str]
    data_use: dict[str, Any]
    data_path: str


@dataclass(frozen=True)
class _Version:
    vid: int
    dataset_id: str
    version: str
    n: int
    created: datetime
    descriptor: dict[str, Any]
    data_path: str
    country: str | None


class Catalogue:
    """SQL-backed metadata of a node's datasets (see ``docs/catalogue.md``).

    Args:
        engine: a migrated engine (``onemg.db.open_database(url)``).
        ontology: defaults to the process-wide :func:`onemg.ontology.load_ontology`.
        current_year: the year ``age`` filters are evaluated in (default: this year, UTC).
        cache_size: most resolved filter sets kept (LRU, per Catalogue object).
        cache_bytes: memory budget of that cache. A set over ``n`` individuals is charged
            ``n / 8 + n`` bytes: its bitset plus the boolean mask callers usually derive from it.
        bitset_min_members: ancestors with at least this many individuals get a precomputed
            bitset when a version is staged (default ``max(1024, n // 64)``).
    """

    def __init__(self, engine: Engine, *, ontology: Ontology | None = None,
                 current_year: int | None = None, cache_size: int = 4096,
                 cache_bytes: int = 256 * 2**20, bitset_min_members: int | None = None) -> None:
        self._engine = engine
        self._ontology = ontology
        self._current_year = current_year
        self._cache_size = cache_size
        self._cache_bytes = cache_bytes
        self._cached_bytes = 0
        self._bitset_min_members = bitset_min_members
        self._lock = threading.Lock()
        self._sets: OrderedDict[Hashable, IndividualSet] = OrderedDict()
        self._columns: OrderedDict[int, Columns] = OrderedDict()

    @property
    def ontology(self) -> Ontology:
        """The ontology used for closures and filter ids (loaded on first use)."""
        if self._ontology is None:
            self._ontology = load_ontology()
        return self._ontology

    # === ingest side =============================================================================
    def stage_version(self, descriptor: dict[str, Any], *, version: str,
                      records: Sequence[IndividualRecord], sample_ids: Sequence[str],
                      data_path: str, country: str | None = None) -> None:
        """Write a complete, not yet visible, version of dataset ``descriptor['id']``.

        Individual ``idx`` is the position in ``sample_ids`` (VCF sample order). One transaction.

        Raises:
            InvalidInputError: descriptor without id, empty version, ids that do not match.
            ConflictError: this (dataset, version) already exists.
        """
        dataset_id = descriptor.get("id")
        if not isinstance(dataset_id, str) or not dataset_id:
            raise InvalidInputError("dataset descriptor: field 'id' missing or not a string; "
                                    "add the dataset id, e.g. \"synth-fi-s42\"")
        if not version:
            raise InvalidInputError(f"dataset {dataset_id}: version must be a non-empty string")
        country = country or descriptor.get("country")
        rows = build_rows(records, sample_ids, country, self.ontology,
                          bitset_min_members=self._bitset_min_members)
        now = datetime.now(UTC)
        with self._engine.begin() as conn:
            exists = conn.execute(select(t.datasets.c.id).where(t.datasets.c.id == dataset_id)
                                  ).first()
            if exists is None:
                conn.execute(insert(t.datasets).values(id=dataset_id, current_version=None,
                                                       created=now))
            clash = conn.execute(select(t.dataset_versions.c.state).where(
                t.dataset_versions.c.dataset_id == dataset_id,
                t.dataset_versions.c.version == version)).scalar()
            if clash is not None:
                raise ConflictError(f"dataset {dataset_id} version {version} already exists "
                                    f"({clash}); drop it with drop_version or use a new version")
            vid = conn.execute(insert(t.dataset_versions).values(
                dataset_id=dataset_id, version=version, state="staged", created=now,
                n_individuals=len(sample_ids), data_path=str(data_path), country=country,
                descriptor=descriptor)).inserted_primary_key[0]
            for table, items in ((t.individuals, rows.individuals),
                                 (t.biosamples, rows.biosamples), (t.runs, rows.runs),
                                 (t.analyses, rows.analyses), (t.annotations, rows.annotations),
                                 (t.terms, rows.terms), (t.term_closure, rows.closure),
                                 (t.term_bitsets, rows.bitsets)):
                bulk_insert(conn, table, vid, items)

    def publish_version(self, dataset_id: str, version: str) -> str | None:
        """Make ``version`` the one readers see; returns the previously current version.

        Raises:
            NotFoundError: no such dataset version.
        """
        with self._engine.begin() as conn:
            current = conn.execute(
                select(t.datasets.c.current_version).where(t.datasets.c.id == dataset_id)
                .with_for_update()).first()
            target = self._version_row(conn, dataset_id, version)
            previous = current[0] if current else None
            if previous == version:
                return previous
            if previous is not None:
                conn.execute(update(t.dataset_versions).where(
                    t.dataset_versions.c.dataset_id == dataset_id,
                    t.dataset_versions.c.version == previous).values(state="superseded"))
            conn.execute(update(t.dataset_versions).where(t.dataset_versions.c.vid == target)
                         .values(state="published"))
            conn.execute(update(t.datasets).where(t.datasets.c.id == dataset_id)
                         .values(current_version=version))
        return previous

    def drop_version(self, dataset_id: str, version: str) -> None:
        """Delete a staged or superseded version and its rows.

        Raises:
            NotFoundError: no such version.
            ConflictError: it is the current version (use :meth:`delete_dataset`).
        """
        with self._engine.begin() as conn:
            vid = self._version_row(conn, dataset_id, version)
            current = conn.execute(select(t.datasets.c.current_version)
                                   .where(t.datasets.c.id == dataset_id)).scalar()
            if current == version:
                raise ConflictError(f"dataset {dataset_id} version {version} is the published "
                                    f"one; publish another version first or delete the dataset")
            self._delete_versions(conn, [vid])
            left = conn.execute(select(func.count()).select_from(t.dataset_versions)
                                .where(t.dataset_versions.c.dataset_id == dataset_id)).scalar()
            if not left and current is None:
                conn.execute(delete(t.datasets).where(t.datasets.c.id == dataset_id))

    def stale_versions(self) -> list[tuple[str, str]]:
        """``(dataset_id, version)`` of every version that is not current (staged or superseded)."""
        with self._engine.connect() as conn:
            rows = conn.execute(
                select(t.dataset_versions.c.dataset_id, t.dataset_versions.c.version)
                .where(t.dataset_versions.c.state != "published")
                .order_by(t.dataset_versions.c.dataset_id, t.dataset_versions.c.vid))
            return [(r[0], r[1]) for r in rows]

    def delete_dataset(self, dataset_id: str) -> None:
        """Delete a dataset with all its versions.

        Raises:
            NotFoundError: no such dataset.
        """
        with self._engine.begin() as conn:
            if conn.execute(select(t.datasets.c.id).where(t.datasets.c.id == dataset_id)
                            ).first() is None:
                raise NotFoundError(f"dataset {dataset_id!r} not found; `onemg datasets list` "
                                    f"shows the datasets of this node")
            vids = list(conn.execute(select(t.dataset_versions.c.vid).where(
                t.dataset_versions.c.dataset_id == dataset_id)).scalars())
            self._delete_versions(conn, vids)
            conn.execute(delete(t.datasets).where(t.datasets.c.id == dataset_id))

    def _delete_versions(self, conn: Connection, vids: list[int]) -> None:
        for table in (*t.VERSION_TABLES, t.dataset_versions):
            conn.execute(delete(table).where(table.c.vid.in_(vids)))
        with self._lock:
            for key in [k for k in self._sets if k[0] in vids]:  # type: ignore[index]
                self._cached_bytes -= _cost(self._sets.pop(key))
            for vid in vids:
                self._columns.pop(vid, None)

    @staticmethod
    def _version_row(conn: Connection, dataset_id: str, version: str) -> int:
        vid = conn.execute(select(t.dataset_versions.c.vid).where(
            t.dataset_versions.c.dataset_id == dataset_id,
            t.dataset_versions.c.version == version)).scalar()
        if vid is None:
            raise NotFoundError(f"dataset {dataset_id!r} has no version {version!r}")
        return int(vid)

    # === query side: datasets ====================================================================
    def _published(self, conn: Connection, dataset_id: str | None = None) -> list[_Version]:
        v, d = t.dataset_versions, t.datasets
        stmt = select(v).join(d, and_(d.c.id == v.c.dataset_id, d.c.current_version == v.c.version))
        if dataset_id is not None:
            stmt = stmt.where(d.c.id == dataset_id)
        return [_Version(r.vid, r.dataset_id, r.version, r.n_individuals, r.created,
                         r.descriptor, r.data_path, r.country)
                for r in conn.execute(stmt.order_by(v.c.dataset_id))]

    def _current(self, conn: Connection, dataset_id: str) -> _Version:
        found = self._published(conn, dataset_id)
        if not found:
            names = [x.dataset_id for x in self._published(conn)]
            raise NotFoundError(f"dataset {dataset_id!r} not found (or not published); "
                                f"published datasets: {names}")
        return found[0]

    @staticmethod
    def _info(v: _Version) -> DatasetInfo:
        d = v.descriptor
        return DatasetInfo(
            id=v.dataset_id, version=v.version, title=d.get("title") or v.dataset_id,
            description=d.get("description") or "", country=v.country, n_individuals=v.n,
            created=v.created, descriptor=dict(d), access=dict(d.get("access") or {}),
            data_use=dict(d.get("dataUseConditions") or {}), data_path=v.data_path)

    def datasets(self) -> list[DatasetInfo]:
        """Every published dataset (its current version), by id."""
        with self._engine.connect() as conn:
            return [self._info(v) for v in self._published(conn)]

    def dataset(self, dataset_id: str) -> DatasetInfo:
        """One published dataset. Raises NotFoundError if absent or never published."""
        with self._engine.connect() as conn:
            return self._info(self._current(conn, dataset_id))

    # === query side: filters =====================================================================
    def individual_set(self, dataset_id: str, filters: Sequence[Filter]) -> IndividualSet:
        """Individuals of the current version matching ALL ``filters`` (none -> everyone).

        Raises:
            NotFoundError: no such published dataset.
            UnknownFilterError: filters whose id, prefix, field or scope is unsupported (all
                listed in ``.ids``).
            InvalidInputError: a supported filter with a bad operator or value.
        """
        keys = self._normalise(filters)
        with self._engine.connect() as conn:
            v = self._current(conn, dataset_id)
            result: IndividualSet | None = None
            for f in keys:
                s = self._resolve(conn, v, f)
                result = s if result is None else result & s
        return result if result is not None else IndividualSet.all(v.n)

    def _normalise(self, filters: Sequence[Filter]) -> list[Filter]:
        """Canonical filters (cache keys); all unsupported ids reported in one error."""
        out: list[Filter] = []
        unknown: list[str] = []
        reasons: list[str] = []
        for f in filters:
            try:
                check_scope(f)
                out.append(canonical(f, self.ontology))
            except UnknownFilterError as exc:
                unknown.extend(exc.ids)
                reasons.append(str(exc))
        if unknown:
            raise UnknownFilterError("; ".join(reasons), unknown)
        return out

    def _resolve(self, conn: Connection, v: _Version, f: Filter) -> IndividualSet:
        key = (v.vid, f)
        with self._lock:
            hit = self._sets.get(key)
            if hit is not None:
                self._sets.move_to_end(key)
                return hit
        result = compute_set(conn, v.vid, v.n, f, lambda: self._columns_of(conn, v),
                             self._year())
        with self._lock:
            if key not in self._sets:
                self._sets[key] = result
                self._cached_bytes += _cost(result)
            while self._sets and (len(self._sets) > self._cache_size
                                  or self._cached_bytes > self._cache_bytes):
                self._cached_bytes -= _cost(self._sets.popitem(last=False)[1])
        return result

    def _year(self) -> int:
        return self._current_year or datetime.now(UTC).year

    def _columns_of(self, conn: Connection, v: _Version) -> Columns:
        with self._lock:
            cols = self._columns.get(v.vid)
        if cols is None:
            cols = load_columns(conn, v.vid)
            with self._lock:
                self._columns[v.vid] = cols
                while len(self._columns) > 8:
                    self._columns.popitem(last=False)
        return cols

    def strata(self, dataset_id: str) -> dict[str, IndividualSet]:
        """Sets per sex (``sex:female`` ...) and per country (``country:FI`` ...) present."""
        with self._engine.connect() as conn:
            v = self._current(conn, dataset_id)
            cols = self._columns_of(conn, v)
        out: dict[str, IndividualSet] = {}
        for code, sex in enumerate(SEXES):
            mask = cols.sex == code
            if mask.any():
                out[f"sex:{sex}"] = IndividualSet.from_mask(mask)
        for cc in sorted({c for c in cols.country if c}):
            out[f"country:{cc}"] = IndividualSet.from_mask(cols.country == cc)
        return out

    # === query side: records =====================================================================
    def _by_idx(self, conn: Connection, table: Any, vid: int, indices: Sequence[int]
                ) -> Iterator[Any]:
        for start in range(0, len(indices), _IN_CHUNK):
            chunk = list(indices[start:start + _IN_CHUNK])
            yield from conn.execute(select(table).where(table.c.vid == vid,
                                                        table.c.idx.in_(chunk)))

    def _checked(self, v: _Version, indices: Sequence[int]) -> list[int]:
        out = [int(i) for i in indices]
        bad = [i for i in out if not 0 <= i < v.n]
        if bad:
            raise InvalidInputError(f"dataset {v.dataset_id}: individual index(es) {bad[:10]} "
                                    f"out of range 0..{v.n - 1}")
        return out

    def individual_records(self, dataset_id: str, indices: Sequence[int]) -> list[dict[str, Any]]:
        """Beacon ``individual`` records for dense indices, in the order given."""
        with self._engine.connect() as conn:
            v = self._current(conn, dataset_id)
            idx = self._checked(v, indices)
            rows = {r.idx: r._mapping for r in self._by_idx(conn, t.individuals, v.vid, idx)}
            anns: dict[int, list[Any]] = {}
            for r in self._by_idx(conn, t.annotations, v.vid, idx):
                anns.setdefault(r.idx, []).append(r._mapping)
            wanted = sorted({a["term"] for lst in anns.values() for a in lst})
            labels: dict[str, str] = {}
            for start in range(0, len(wanted), _IN_CHUNK):
                labels.update((r[0], r[1]) for r in conn.execute(
                    select(t.terms.c.term, t.terms.c.label).where(
                        t.terms.c.vid == v.vid,
                        t.terms.c.term.in_(wanted[start:start + _IN_CHUNK]))))
        return [br.individual_record(rows[i], anns.get(i, ()), labels) for i in idx]

    def _entry_records(self, dataset_id: str, indices: Sequence[int], table: Any,
                       render: Any) -> list[dict[str, Any]]:
        with self._engine.connect() as conn:
            v = self._current(conn, dataset_id)
            idx = self._checked(v, indices)
            ids = {r.idx: r.id for r in self._by_idx(conn, t.individuals, v.vid, idx)}
            rows: dict[int, list[Any]] = {}
            for r in self._by_idx(conn, table, v.vid, idx):
                rows.setdefault(r.idx, []).append(r._mapping)
        return [render(row, ids[i]) for i in idx for row in rows.get(i, ())]

    def biosample_records(self, dataset_id: str, indices: Sequence[int]) -> list[dict[str, Any]]:
        """Beacon ``biosample`` records of the individuals at ``indices``."""
        return self._entry_records(dataset_id, indices, t.biosamples, br.biosample_record)

    def run_records(self, dataset_id: str, indices: Sequence[int]) -> list[dict[str, Any]]:
        """Beacon ``run`` records of the individuals at ``indices``."""
        return self._entry_records(dataset_id, indices, t.runs, br.run_record)

    def analysis_records(self, dataset_id: str, indices: Sequence[int]) -> list[dict[str, Any]]:
        """Beacon ``analysis`` records of the individuals at ``indices``."""
        return self._entry_records(dataset_id, indices, t.analyses, br.analysis_record)

    def index_of(self, dataset_id: str, entry_type: str, record_id: str) -> int:
        """Dense individual index of an individual/biosample/run/analysis id.

        Raises:
            InvalidInputError: unknown entry type.
            NotFoundError: no such record in the current version.
        """
        table = {"individual": t.individuals, "biosample": t.biosamples, "run": t.runs,
                 "analysis": t.analyses}.get(entry_type)
        if table is None:
            raise InvalidInputError(f"entry type {entry_type!r} unknown; use individual, "
                                    f"biosample, run or analysis")
        with self._engine.connect() as conn:
            v = self._current(conn, dataset_id)
            idx = conn.execute(select(table.c.idx).where(table.c.vid == v.vid,
                                                         table.c.id == record_id)).scalar()
        if idx is None:
            raise NotFoundError(f"dataset {dataset_id}: no {entry_type} with id {record_id!r}")
        return int(idx)

    def dataset_records(self) -> list[dict[str, Any]]:
        """Beacon ``dataset`` collection records of every published dataset."""
        with self._engine.connect() as conn:
            versions = self._published(conn)
        return [br.dataset_record(v.dataset_id, v.version, v.descriptor,
                                  _iso(v.created), _iso(v.created), v.n) for v in versions]

    def cohort_records(self) -> list[dict[str, Any]]:
        """Beacon ``cohort`` records: one study-defined cohort per published dataset version."""
        out = []
        with self._engine.connect() as conn:
            for v in self._published(conn):
                cols = self._columns_of(conn, v)
                sexes = [s for k, s in enumerate(SEXES) if (cols.sex == k).any()]
                countries = sorted({c for c in cols.country if c})
                out.append(br.cohort_record(v.dataset_id, v.version, v.descriptor, v.n, sexes,
                                            countries))
        return out

    def filtering_terms(self, dataset_id: str | None = None) -> list[dict[str, Any]]:
        """Beacon filtering terms usable on one dataset (or on any published dataset)."""
        with self._engine.connect() as conn:
            versions = ([self._current(conn, dataset_id)] if dataset_id is not None
                        else self._published(conn))
            vids = [v.vid for v in versions]
            terms = conn.execute(select(t.terms.c.term, t.terms.c.label, t.terms.c.kind).where(
                t.terms.c.vid.in_(vids), t.terms.c.annotated.is_(True)).order_by(t.terms.c.term)
            ).all()
            sexes = set(conn.execute(select(t.individuals.c.sex).distinct()
                                     .where(t.individuals.c.vid.in_(vids))).scalars())
            b = t.biosamples.c
            sample_types = conn.execute(select(b.sample_type_id, b.sample_type_label).distinct()
                                        .where(b.vid.in_(vids), b.sample_type_id.is_not(None))
                                        ).all()
            platforms = set(conn.execute(select(t.runs.c.platform).distinct().where(
                t.runs.c.vid.in_(vids), t.runs.c.platform.is_not(None))).scalars())
        out: dict[str, dict[str, Any]] = {}
        for term, label, kind in terms:
            scope = "biosample" if kind == "tissue" else "individual"
            out.setdefault(term, {"type": "ontologyTerm", "id": term, "label": label,
                                  "scopes": [scope]})
        for term_id, sex in SEX_TERMS.items():
            if sex in sexes:
                out[term_id] = {"type": "ontologyTerm", "id": term_id, "label": sex,
                                "scopes": ["individual"]}
        countries = sorted({v.country for v in versions if v.country})
        for fid, label in (("yearOfBirth", "year of birth"), ("age", "age in years"),
                           ("country", "country (ISO 3166-1 alpha-2)"), ("sex", "sex")):
            item: dict[str, Any] = {"type": "alphanumeric", "id": fid, "label": label,
                                    "scopes": ["individual"]}
            if fid == "country" and countries:
                item["values"] = countries
            if fid == "sex" and sexes:
                item["values"] = sorted(sexes)
            out[fid] = item
        for type_id, type_label in sorted(sample_types, key=lambda r: r[0]):
            out.setdefault(f"sampleType:{type_id}", {
                "type": "custom", "id": f"sampleType:{type_id}",
                "label": f"sample type {type_label or type_id}", "scopes": ["biosample"]})
        for platform in sorted(platforms):
            out[f"platform:{platform}"] = {"type": "custom", "id": f"platform:{platform}",
                                           "label": f"sequencing platform {platform}",
                                           "scopes": ["run"]}
        return list(out.values())


def _cost(s: IndividualSet) -> int:
    return s.n // 8 + s.n


def _iso(when: datetime) -> str:
    if when.tzinfo is None:  # SQLite returns naive datetimes for timezone=True columns
        when = when.replace(tzinfo=UTC)
    return when.isoformat().replace("+00:00", "Z")
