"""The hub's catalogue: harvest every member's ``/api/catalogue``, keep the last good copy, merge.

A harvest fetches each enabled member's catalogue as Turtle, parses it, checks it names one
``dcat:Catalog`` and conforms to the DCAT-AP 3.0.1 shapes, and only then replaces the member's
copy in ``<hub data_dir>/catalogue/<member>.ttl`` (written to a temporary file and renamed, so a
reader never sees half a file). A member that is down, slow or sends something invalid keeps its
previous copy, and the failure is recorded. The files are the state: the hub's schedule and
``onemg hub harvest`` (run by hand or cron) write the same files, and the hub re-reads a file
whenever it changed.

The merged catalogue is the hub's own ``dcat:Catalog`` listing each member catalogue
(``dcat:catalog``) and every member dataset (``dcat:dataset``), plus one ``dcat:CatalogRecord``
per member saying when its copy was harvested, over the union of the member graphs.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import tempfile
from collections.abc import AsyncIterator, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
from rdflib import RDF, XSD, Graph, Literal, URIRef

from onemg.dcat.build import catalogue_iri, new_graph
from onemg.dcat.topics import dataset_topics
from onemg.dcat.vocab import DCAT, DCT, FOAF
from onemg.network.config import MemberConfig, NetworkConfig
from onemg.settings import Settings

log = logging.getLogger(__name__)

#: Seconds one member may take to send its catalogue (it is built on demand on the member).
HARVEST_TIMEOUT_S = 30.0


class HarvestError(Exception):
    """A member's catalogue could not be fetched or is not valid DCAT-AP (the copy is kept)."""


@dataclass(frozen=True)
class MemberHarvest:
    """The outcome of the last harvest of one member, and the age of the copy the hub serves."""

    member: str
    ok: bool
    attempted_at: str
    #: When the copy now served was harvested (``None``: never harvested successfully).
    harvested_at: str | None
    datasets: int
    error: str | None = None


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def parse_member_catalogue(body: bytes, media_type: str, *, validate: bool = True) -> Graph:
    """Parse a member's catalogue and check it; raise :class:`HarvestError` saying what is wrong."""
    fmt = "json-ld" if "json" in media_type else "turtle"
    graph = Graph()
    try:
        graph.parse(data=body, format=fmt)
    except Exception as exc:  # rdflib raises many parser-specific types
        raise HarvestError(f"not parseable as {fmt}: {exc}") from exc
    catalogues = list(graph.subjects(RDF.type, DCAT.Catalog))
    if len(catalogues) != 1:
        raise HarvestError(f"expected one dcat:Catalog, found {len(catalogues)}")
    if validate:
        from onemg.dcat.shapes import validate as shacl

        result = shacl(graph)
        if not result.conforms:
            head = " ".join(result.text.split())[:400]
            raise HarvestError(f"does not conform to DCAT-AP 3.0.1: {head}")
    return graph


class CatalogueHarvester:
    """Harvests the members of ``network`` into ``folder`` and merges the copies.

    Args:
        network: the hub's members (disabled members are neither harvested nor served).
        folder: where the last good copy of each member's catalogue is kept.
        validate: check each copy against the DCAT-AP shapes before accepting it.
    """

    def __init__(self, network: NetworkConfig, folder: Path, *, validate: bool = True) -> None:
        self.network = network
        self.folder = Path(folder)
        self.validate = validate
        self._graphs: dict[str, tuple[float, Graph]] = {}
        self._status: dict[str, MemberHarvest] = {}
        self._lock = asyncio.Lock()

    @property
    def members(self) -> Sequence[MemberConfig]:
        """The enabled members, in config order."""
        return self.network.enabled_members

    def copy_path(self, member_id: str) -> Path:
        """The file holding ``member_id``'s last good catalogue (Turtle)."""
        return self.folder / f"{member_id}.ttl"

    def _status_path(self) -> Path:
        return self.folder / "status.json"

    async def harvest_member(
        self, client: httpx.AsyncClient, member: MemberConfig
    ) -> MemberHarvest:
        """Fetch, check and store one member's catalogue; on failure keep the old copy."""
        attempted = _now().isoformat()
        url = f"{member.api_url}/catalogue"
        try:
            try:
                r = await client.get(
                    url, headers={"Accept": "text/turtle"}, timeout=HARVEST_TIMEOUT_S
                )
            except httpx.HTTPError as exc:
                raise HarvestError(f"GET {url} failed: {exc!r}") from exc
            if r.status_code != 200:
                raise HarvestError(f"GET {url} answered HTTP {r.status_code}")
            media = r.headers.get("content-type", "text/turtle")
            graph = await asyncio.to_thread(
                parse_member_catalogue, r.content, media, validate=self.validate
            )
            self._write(member.id, graph)
            status = MemberHarvest(member.id, True, attempted, attempted, _count_datasets(graph))
        except HarvestError as exc:
            log.warning("catalogue harvest of member %s failed (copy kept): %s", member.id, exc)
            previous = self._status.get(member.id) or self._read_status().get(member.id)
            kept = previous.harvested_at if previous else None
            copy = self._load(member.id)
            status = MemberHarvest(
                member.id, False, attempted, kept, _count_datasets(copy) if copy else 0, str(exc)
            )
        self._status[member.id] = status
        return status

    async def harvest(self, client: httpx.AsyncClient) -> list[MemberHarvest]:
        """Harvest every enabled member concurrently; returns each member's outcome."""
        async with self._lock:
            results = await asyncio.gather(*(self.harvest_member(client, m) for m in self.members))
            self._save_status()
            return list(results)

    @contextlib.asynccontextmanager
    async def running(self, client: httpx.AsyncClient, interval_s: float) -> AsyncIterator[None]:
        """Harvest now and then every ``interval_s`` seconds while the context is open."""

        async def loop() -> None:
            while True:
                try:
                    await self.harvest(client)
                except Exception:  # a bug must not end the schedule; the copies stay served
                    log.exception("catalogue harvest failed")
                await asyncio.sleep(interval_s)

        task = asyncio.create_task(loop())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def status(self) -> list[MemberHarvest]:
        """The last outcome per enabled member (from this process or the status file)."""
        saved = self._read_status()
        out = []
        for m in self.members:
            # The newer of this process's outcome and the file's (``onemg hub harvest``).
            found = [x for x in (self._status.get(m.id), saved.get(m.id)) if x is not None]
            s = max(found, key=lambda x: x.attempted_at) if found else None
            out.append(s or MemberHarvest(m.id, False, "", None, 0, "not harvested yet"))
        return out

    def merged(self, settings: Settings, base_url: str) -> Graph:
        """The hub's catalogue: its own ``dcat:Catalog`` over the members' last good copies."""
        base = base_url.rstrip("/")
        g = new_graph()
        hub = catalogue_iri(base)
        g.add((hub, RDF.type, DCAT.Catalog))
        g.add((hub, DCT.title, Literal(settings.beacon.name, lang="en")))
        g.add(
            (
                hub,
                DCT.description,
                Literal(
                    "The 1+ Million Genomes network's datasets: the catalogues of its national "
                    "nodes, harvested by the hub.",
                    lang="en",
                ),
            )
        )
        publisher = URIRef(f"{hub}#publisher")
        g.add((hub, DCT.publisher, publisher))
        g.add((publisher, RDF.type, FOAF.Agent))
        name = settings.catalogue.publisher_name or settings.beacon.organization_name
        g.add((publisher, FOAF.name, Literal(name, lang="en")))
        status = {s.member: s for s in self.status()}
        for member in self.members:
            copy = self._load(member.id)
            if copy is None:
                continue
            g += copy
            member_catalogue = next(copy.subjects(RDF.type, DCAT.Catalog))
            g.add((hub, DCAT.catalog, member_catalogue))
            for ds in copy.objects(member_catalogue, DCAT.dataset):
                g.add((hub, DCAT.dataset, ds))
            record = URIRef(f"{hub}/records/{member.id}")
            g.add((hub, DCAT.record, record))
            g.add((record, RDF.type, DCAT.CatalogRecord))
            g.add((record, FOAF.primaryTopic, member_catalogue))
            g.add((member_catalogue, RDF.type, DCAT.Resource))
            when = status[member.id].harvested_at if member.id in status else None
            if when is None:
                mtime = self.copy_path(member.id).stat().st_mtime
                when = datetime.fromtimestamp(mtime, UTC).replace(microsecond=0).isoformat()
            g.add((record, DCT.modified, Literal(when, datatype=XSD.dateTime)))
            g.add((record, DCT.title, Literal(f"Harvest of member {member.id}", lang="en")))
        return g

    def topics(self) -> dict[tuple[str, str], tuple[str, ...]]:
        """``{(member id, dataset id): theme, health category and keyword labels}`` from the
        members' last good copies (see :mod:`onemg.dcat.topics`)."""
        out: dict[tuple[str, str], tuple[str, ...]] = {}
        for member in self.members:
            copy = self._load(member.id)
            if copy is not None:
                for dataset_id, labels in dataset_topics(copy).items():
                    out[(member.id, dataset_id)] = labels
        return out

    # -- the copies on disk ----------------------------------------------------------------

    def _write(self, member_id: str, graph: Graph) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        data = graph.serialize(format="turtle", encoding="utf-8")
        fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=f".{member_id}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.copy_path(member_id))
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise
        self._graphs.pop(member_id, None)

    def _load(self, member_id: str) -> Graph | None:
        """The member's last good copy (re-read when the file changed), or ``None``."""
        path = self.copy_path(member_id)
        try:
            mtime = path.stat().st_mtime
        except FileNotFoundError:
            return None
        cached = self._graphs.get(member_id)
        if cached and cached[0] == mtime:
            return cached[1]
        graph = Graph().parse(path, format="turtle")
        self._graphs[member_id] = (mtime, graph)
        return graph

    def _save_status(self) -> None:
        if not self.folder.is_dir():  # nothing harvested yet: nothing to describe on disk
            return
        path = self._status_path()
        merged = {**self._read_status(), **self._status}
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps({k: asdict(v) for k, v in merged.items()}, indent=1))
        os.replace(tmp, path)

    def _read_status(self) -> dict[str, MemberHarvest]:
        try:
            raw = json.loads(self._status_path().read_text())
        except (FileNotFoundError, ValueError):
            return {}
        return {k: MemberHarvest(**v) for k, v in raw.items()}


def _count_datasets(graph: Graph) -> int:
    return len(set(graph.subjects(RDF.type, DCAT.Dataset)))


def harvest_folder(settings: Settings) -> Path:
    """Where a hub keeps its members' catalogues: ``<data_dir>/catalogue``."""
    return Path(settings.data_dir) / "catalogue"
