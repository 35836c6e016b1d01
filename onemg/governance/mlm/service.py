"""The rules of the Maturity Level Model: who may do what to an assessment, and when.

An assessment moves ``rating`` -> ``consensus`` -> ``finalised``; an optional second Delphi round
sends it back to ``rating`` (round 2) for the indicators the panel did not agree on. Roles:

- administrator (a hub account with ``is_admin``): everything, including model versions;
- coordinator of a health system: opens assessments, invites the panel, records consensus,
  finalises, sets the target, edits the roadmap, shares with the benchmark;
- viewer of a health system: reads its assessments;
- panel expert: rates the indicators of the assessments they were invited to, and sees only
  their own ratings until the assessment is finalised.

An assessment the actor has no role in is reported as not found (its existence is not revealed).
Every change and every refusal is written to the hub's audit log with pseudonymous ids only.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from onemg.errors import (
    AccessDeniedError,
    ConflictError,
    InvalidInputError,
    NotFoundError,
    WorkflowError,
)
from onemg.governance.mlm import benchmark as bench
from onemg.governance.mlm import results as res
from onemg.governance.mlm.consensus import DelphiRule, Spread, spread
from onemg.governance.mlm.model import BUNDLED_VERSIONS, Model, bundled_model, load_model_text
from onemg.governance.mlm.store import (
    AssessmentRecord,
    ConsensusRecord,
    MlmStore,
    RatingRecord,
    RoadmapRecord,
    SystemRecord,
)
from onemg.security import AuditSink

ROLES = ("coordinator", "viewer")
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
EVIDENCE_TYPES = {
    "application/pdf",
    "image/png",
    "image/jpeg",
    "text/plain",
    "text/csv",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.oasis.opendocument.text",
}
_SYSTEM_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,63}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class Actor:
    """Who acts: a hub account's pseudonymous subject (``None`` for trusted local CLI use)."""

    sub: str | None
    is_admin: bool = False

    @property
    def label(self) -> str:
        """What the audit log records as the user."""
        return self.sub or "cli"


CLI = Actor(None, is_admin=True)


@dataclass(frozen=True)
class Access:
    """What an actor may do with one assessment."""

    coordinator: bool
    viewer: bool
    expert: bool

    @property
    def reader(self) -> bool:
        """May read results (after finalisation)."""
        return self.coordinator or self.viewer or self.expert


@dataclass(frozen=True)
class IndicatorPanel:
    """The panel's ratings of one indicator, for the coordinator (names) or readers (none)."""

    indicator_id: str
    ratings: tuple[tuple[str, RatingRecord], ...]
    spread: Spread
    in_round2: bool


@dataclass(frozen=True)
class AssessmentView:
    """An assessment as one actor sees it."""

    record: AssessmentRecord
    system: SystemRecord
    model: Model
    access: Access
    rule: DelphiRule
    consensus: dict[str, ConsensusRecord]
    my_ratings: dict[str, RatingRecord]
    my_submitted_round: int | None
    panel: tuple[tuple[str, int], ...]  # (name, submitted round), coordinator only
    previous_medians: dict[str, float] = field(default_factory=dict)

    @property
    def levels(self) -> dict[str, int]:
        """Consensus level per indicator."""
        return {k: v.level for k, v in self.consensus.items()}

    @property
    def rating_indicators(self) -> tuple[str, ...]:
        """Indicators the panel rates in the current round."""
        if self.record.round == 2:
            return self.record.round2_indicators
        return tuple(i.id for i in self.model.indicators)


class MlmService:
    """Model versions, health systems, assessment rounds, results and the benchmark."""

    def __init__(
        self,
        store: MlmStore,
        *,
        audit: AuditSink,
        names: Callable[[str], str],
        subs: Callable[[str], str],
        history: Callable[[str], list[Any]] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._store = store
        self._audit = audit
        self._names = names
        self._subs = subs
        self._clock = clock
        self._history = history
        self._models: dict[str, Model] = {}

    def _now(self) -> int:
        return int(self._clock())

    def _log(
        self, actor: Actor, action: str, resource: str, result: str = "ok", reason: str = ""
    ) -> None:
        self._audit.record(
            user=actor.label,
            action=f"mlm.{action}",
            resource=resource,
            result=result,
            reason=reason,
            origin="hub-mlm",
        )

    def _deny(self, actor: Actor, action: str, resource: str, message: str) -> AccessDeniedError:
        self._log(actor, action, resource, "denied", message)
        return AccessDeniedError(message)

    # --- model versions -------------------------------------------------------------------
    def ensure_bundled(self) -> None:
        """Store the bundled model versions the hub does not have yet."""
        for version in BUNDLED_VERSIONS:
            if self._store.model_document(version) is None:
                model = bundled_model(version)
                self._store.put_model(version, model.document, model.digest, self._now())

    def model(self, version: str | None = None) -> Model:
        """A stored model version (default: the newest imported)."""
        self.ensure_bundled()
        if version is None:
            version = self._store.model_versions()[-1][0]
        if version not in self._models:
            stored = self._store.model_document(version)
            if stored is None:
                known = [v for v, _, _ in self._store.model_versions()]
                raise NotFoundError(f"no model version {version!r}; known versions: {known}")
            self._models[version] = load_model_text(stored[0], where=f"model {version}")
        return self._models[version]

    def model_versions(self) -> list[tuple[str, bool]]:
        """(version, in use) of every stored version, oldest first."""
        self.ensure_bundled()
        return [(v, used) for v, used, _ in self._store.model_versions()]

    def import_model(self, actor: Actor, text: str, *, where: str) -> Model:
        """Import a model version from JSON text.

        Raises:
            InvalidInputError: the document is malformed, or names an unknown previous version.
            ConflictError: the version exists with other content and an assessment uses it.
        """
        if not actor.is_admin:
            raise self._deny(
                actor, "model.import", "mlm:model", "only administrators import model versions"
            )
        model = load_model_text(text, where=where)
        self.ensure_bundled()
        if model.previous and self._store.model_document(model.previous) is None:
            raise InvalidInputError(
                f"{where}: previous version {model.previous!r} is not on this hub; import it first"
            )
        stored = self._store.model_document(model.version)
        if stored is not None and stored[1] != model.digest and stored[2]:
            raise ConflictError(
                f"model version {model.version} is used by an assessment and cannot change; "
                "publish the new text under a new version with 'previous' and 'mapping'"
            )
        if stored is None or stored[1] != model.digest:
            self._store.put_model(model.version, model.document, model.digest, self._now())
            self._models.pop(model.version, None)
        self._log(actor, "model.import", f"mlm:model/{model.version}")
        return model

    # --- systems and roles ----------------------------------------------------------------
    def create_system(
        self,
        actor: Actor,
        *,
        system_id: str,
        name: str,
        country: str,
        region: str | None = None,
        fictional: bool = False,
    ) -> SystemRecord:
        """Register a health system (administrators)."""
        if not actor.is_admin:
            raise self._deny(
                actor, "system.create", "mlm:systems", "only administrators register health systems"
            )
        if not _SYSTEM_ID.match(system_id):
            raise InvalidInputError(
                f"system id {system_id!r}: use 2-64 lowercase letters, digits "
                "or '-' (e.g. 'pt' or 'es-catalonia')"
            )
        if not re.fullmatch(r"[A-Z]{2}", country):
            raise InvalidInputError(f"country {country!r}: give an ISO 3166 alpha-2 code, e.g. PT")
        record = SystemRecord(
            system_id, name.strip() or system_id, country, region or None, fictional, self._now()
        )
        self._store.add_system(record)
        self._log(actor, "system.create", f"mlm:system/{system_id}")
        return record

    def systems(self) -> list[SystemRecord]:
        """Every health system."""
        return self._store.systems()

    def system(self, system_id: str) -> SystemRecord:
        """One health system."""
        return self._store.system(system_id)

    def grant(self, actor: Actor, system_id: str, username: str, role: str) -> None:
        """Make ``username`` coordinator or viewer of a system (administrators)."""
        if role not in ROLES:
            raise InvalidInputError(f"role {role!r}: use one of {list(ROLES)}")
        if not actor.is_admin:
            raise self._deny(
                actor,
                "role.grant",
                f"mlm:system/{system_id}",
                "only administrators assign coordinators and viewers",
            )
        self._store.system(system_id)
        sub = self._subs(username)
        self._store.grant(system_id, sub, role)
        self._log(actor, "role.grant", f"mlm:system/{system_id}", reason=f"{role}:{sub}")

    def roles(self, actor: Actor) -> dict[str, frozenset[str]]:
        """{system id: roles} of ``actor``."""
        return self._store.roles(actor.sub) if actor.sub else {}

    def is_coordinator(self, actor: Actor) -> bool:
        """Coordinator of at least one system, or administrator."""
        return actor.is_admin or any("coordinator" in r for r in self.roles(actor).values())

    # --- access ---------------------------------------------------------------------------
    def _access(self, actor: Actor, record: AssessmentRecord) -> Access:
        if actor.is_admin:
            return Access(True, True, False)
        roles = self.roles(actor).get(record.system_id, frozenset())
        expert = actor.sub is not None and any(
            p.sub == actor.sub for p in self._store.panel(record.id)
        )
        return Access("coordinator" in roles, "viewer" in roles, expert)

    def _visible(
        self, actor: Actor, assessment_id: int, action: str
    ) -> tuple[AssessmentRecord, Access]:
        try:
            record = self._store.assessment(assessment_id)
        except NotFoundError:
            self._log(actor, action, f"mlm:assessment/{assessment_id}", "denied", "no such")
            raise
        access = self._access(actor, record)
        if not (access.reader or access.coordinator):
            self._log(actor, action, f"mlm:assessment/{assessment_id}", "denied", "no role")
            raise NotFoundError(f"no assessment {assessment_id}")
        return record, access

    def _as_coordinator(self, actor: Actor, assessment_id: int, action: str) -> AssessmentRecord:
        record, access = self._visible(actor, assessment_id, action)
        if not access.coordinator:
            raise self._deny(
                actor,
                action,
                f"mlm:assessment/{assessment_id}",
                "only the coordinator of this health system can do this",
            )
        return record

    def _open(self, actor: Actor, record: AssessmentRecord, action: str) -> None:
        if record.status == "finalised":
            self._log(actor, action, f"mlm:assessment/{record.id}", "denied", "finalised")
            raise WorkflowError(
                f"assessment {record.id} is finalised and read-only; open a new "
                "assessment to reassess"
            )

    # --- assessment lifecycle -------------------------------------------------------------
    def open_assessment(
        self,
        actor: Actor,
        *,
        system_id: str,
        title: str,
        model_version: str | None = None,
        target_level: int = 3,
        rule: DelphiRule | None = None,
        opened_at: int | None = None,
    ) -> int:
        """Open an assessment of ``system_id`` (its coordinator); freezes the model version."""
        self._store.system(system_id)
        roles = self.roles(actor).get(system_id, frozenset())
        if not (actor.is_admin or "coordinator" in roles):
            raise self._deny(
                actor,
                "assessment.open",
                f"mlm:system/{system_id}",
                "only a coordinator of this health system opens assessments",
            )
        if target_level not in (2, 3, 4, 5):
            raise InvalidInputError("target level must be 2, 3, 4 or 5")
        model = self.model(model_version)
        self._store.mark_model_in_use(model.version)
        aid = self._store.add_assessment(
            system_id=system_id,
            model_version=model.version,
            title=title.strip()[:200] or f"Assessment of {system_id}",
            status="rating",
            round=1,
            rule=(rule or DelphiRule()).as_dict(),
            target_level=target_level,
            opened_at=opened_at if opened_at is not None else self._now(),
            opened_by=actor.label,
        )
        self._log(actor, "assessment.open", f"mlm:assessment/{aid}")
        return aid

    def assessments(self, actor: Actor) -> list[tuple[AssessmentRecord, Access]]:
        """The assessments ``actor`` may see."""
        out = []
        for record in self._store.assessments():
            access = self._access(actor, record)
            if access.reader or access.coordinator:
                out.append((record, access))
        return out

    def invite(self, actor: Actor, assessment_id: int, username: str) -> None:
        """Add an expert to the panel (coordinator, before finalisation)."""
        record = self._as_coordinator(actor, assessment_id, "panel.invite")
        self._open(actor, record, "panel.invite")
        sub = self._subs(username)
        self._store.add_panel_member(assessment_id, sub, self._now())
        self._log(actor, "panel.invite", f"mlm:assessment/{assessment_id}", reason=f"expert:{sub}")

    def _as_expert(
        self, actor: Actor, assessment_id: int, action: str, indicator_id: str | None = None
    ) -> tuple[AssessmentRecord, Model]:
        record, access = self._visible(actor, assessment_id, action)
        resource = f"mlm:assessment/{assessment_id}"
        if not access.expert:
            raise self._deny(actor, action, resource, "only panel experts rate indicators")
        self._open(actor, record, action)
        if record.status != "rating":
            self._log(actor, action, resource, "denied", "rating closed")
            raise WorkflowError("rating is closed: the panel is now reaching consensus")
        member = next(p for p in self._store.panel(assessment_id) if p.sub == actor.sub)
        if member.submitted_round >= record.round:
            self._log(actor, action, resource, "denied", "already submitted")
            raise WorkflowError(f"you already submitted round {record.round}; ratings are final")
        model = self.model(record.model_version)
        if indicator_id is not None:
            if indicator_id not in model.by_id:
                raise InvalidInputError(f"no indicator {indicator_id!r} in model {model.version}")
            if record.round == 2 and indicator_id not in record.round2_indicators:
                raise WorkflowError(
                    f"indicator {indicator_id} reached agreement in round 1 and is not rated again"
                )
        return record, model

    def save_rating(
        self,
        actor: Actor,
        assessment_id: int,
        indicator_id: str,
        *,
        level: int | None,
        comment: str = "",
        links: tuple[str, ...] = (),
    ) -> None:
        """Save a draft rating (``level`` None: don't know)."""
        self.save_ratings(actor, assessment_id, {indicator_id: (level, comment, links)})

    def save_ratings(
        self,
        actor: Actor,
        assessment_id: int,
        ratings: Mapping[str, tuple[int | None, str, tuple[str, ...]]],
    ) -> None:
        """Save draft ratings {indicator id: (level or None for don't know, comment, links)}.

        All or nothing: one bad rating and none is stored.
        """
        record, model = self._as_expert(actor, assessment_id, "rating.save")
        records = []
        for indicator_id, (level, comment, links) in ratings.items():
            if indicator_id not in model.by_id:
                raise InvalidInputError(f"no indicator {indicator_id!r} in model {model.version}")
            if record.round == 2 and indicator_id not in record.round2_indicators:
                raise WorkflowError(
                    f"indicator {indicator_id} reached agreement in round 1 and is not rated again"
                )
            if level is not None and level not in (1, 2, 3, 4, 5):
                raise InvalidInputError(
                    f"indicator {indicator_id}: level {level}: choose 1 to 5, or don't know"
                )
            clean = tuple(link.strip() for link in links if link.strip())
            bad = [link for link in clean if not re.match(r"^https?://\S+$", link)]
            if bad or len(clean) > 10:
                raise InvalidInputError(
                    f"indicator {indicator_id}: evidence links must be up to "
                    f"10 http(s) URLs; check {bad}"
                )
            records.append(
                RatingRecord(
                    assessment_id,
                    str(actor.sub),
                    indicator_id,
                    record.round,
                    level,
                    comment.strip()[:4000],
                    clean,
                    self._now(),
                )
            )
        self._store.put_ratings(records)
        self._log(
            actor,
            "rating.save",
            f"mlm:assessment/{assessment_id}",
            reason=",".join(sorted(ratings))[:500],
        )

    def upload_evidence(
        self,
        actor: Actor,
        assessment_id: int,
        indicator_id: str,
        *,
        filename: str,
        content_type: str,
        data: bytes,
    ) -> int:
        """Attach an evidence document to a rating."""
        self._as_expert(actor, assessment_id, "evidence.upload", indicator_id)
        if len(data) > EVIDENCE_MAX_BYTES:
            raise InvalidInputError(f"{filename}: larger than {EVIDENCE_MAX_BYTES // 2**20} MiB")
        if content_type not in EVIDENCE_TYPES:
            raise InvalidInputError(
                f"{filename}: type {content_type!r} not accepted; upload PDF, "
                "PNG, JPEG, text, CSV, DOCX or ODT"
            )
        if not data:
            raise InvalidInputError(f"{filename}: the file is empty")
        eid = self._store.add_evidence(
            assessment_id=assessment_id,
            sub=actor.sub,
            indicator_id=indicator_id,
            filename=re.sub(r"[^\w.\- ]", "_", filename)[-200:] or "evidence",
            content_type=content_type,
            sha256=hashlib.sha256(data).hexdigest(),
            data=data,
            uploaded_at=self._now(),
        )
        self._log(actor, "evidence.upload", f"mlm:assessment/{assessment_id}/{indicator_id}")
        return eid

    def evidence_file(self, actor: Actor, evidence_id: int) -> tuple[str, str, bytes]:
        """(filename, content type, bytes): the uploader, the coordinator, or after finalising."""
        ev = self._store.evidence_file(evidence_id)
        record, access = self._visible(actor, ev.assessment_id, "evidence.read")
        if not (access.coordinator or ev.sub == actor.sub or record.status == "finalised"):
            raise self._deny(
                actor,
                "evidence.read",
                f"mlm:evidence/{evidence_id}",
                "experts see only their own evidence until the assessment is final",
            )
        self._log(actor, "evidence.read", f"mlm:evidence/{evidence_id}")
        return ev.filename, ev.content_type, ev.data or b""

    def submit(self, actor: Actor, assessment_id: int) -> None:
        """Submit the expert's ratings of the current round; every indicator must be answered."""
        record, _ = self._as_expert(actor, assessment_id, "rating.submit")
        view_ids = (
            record.round2_indicators
            if record.round == 2
            else tuple(self.model(record.model_version).by_id)
        )
        done = {
            r.indicator_id
            for r in self._store.ratings(assessment_id, sub=actor.sub, round_=record.round)
        }
        missing = [i for i in view_ids if i not in done]
        if missing:
            raise InvalidInputError(
                f"{len(missing)} indicator(s) not rated yet (first: "
                f"{missing[0]}); rate them, or answer don't know"
            )
        self._store.set_submitted(assessment_id, str(actor.sub), record.round)
        self._log(
            actor,
            "rating.submit",
            f"mlm:assessment/{assessment_id}",
            reason=f"round {record.round}",
        )

    def close_rating(self, actor: Actor, assessment_id: int) -> None:
        """Close the rating round and move to consensus (coordinator)."""
        record = self._as_coordinator(actor, assessment_id, "rating.close")
        self._open(actor, record, "rating.close")
        if record.status != "rating":
            raise WorkflowError("the assessment is not in a rating round")
        self._store.update_assessment(assessment_id, expect_status="rating", status="consensus")
        self._log(actor, "rating.close", f"mlm:assessment/{assessment_id}")

    def start_round2(self, actor: Actor, assessment_id: int) -> tuple[str, ...]:
        """Second Delphi round on the indicators without agreement; returns their ids."""
        record = self._as_coordinator(actor, assessment_id, "round2.start")
        self._open(actor, record, "round2.start")
        if record.status != "consensus" or record.round != 1:
            raise WorkflowError("a second round starts once, from the consensus step of round 1")
        disputed = tuple(
            p.indicator_id for p in self._panel_rows(record, names=False) if not p.spread.consensus
        )
        if not disputed:
            raise WorkflowError("the panel agreed on every indicator; no second round is needed")
        self._store.update_assessment(
            assessment_id,
            expect_status="consensus",
            status="rating",
            round=2,
            round2_indicators=disputed,
        )
        self._log(
            actor,
            "round2.start",
            f"mlm:assessment/{assessment_id}",
            reason=f"{len(disputed)} indicators",
        )
        return disputed

    def _latest_ratings(self, record: AssessmentRecord) -> dict[str, dict[str, RatingRecord]]:
        out: dict[str, dict[str, RatingRecord]] = {}
        for r in sorted(self._store.ratings(record.id), key=lambda r: r.round):
            if r.round == 2 and r.indicator_id not in record.round2_indicators:
                continue
            out.setdefault(r.indicator_id, {})[r.sub] = r
        return out

    def _panel_rows(self, record: AssessmentRecord, *, names: bool) -> list[IndicatorPanel]:
        rule = DelphiRule(**record.rule)
        latest = self._latest_ratings(record)
        rows = []
        for ind in self.model(record.model_version).indicators:
            by_sub = latest.get(ind.id, {})
            ratings = tuple(
                sorted(
                    ((self._names(s) if names else "", r) for s, r in by_sub.items()),
                    key=lambda x: x[0],
                )
            )
            rows.append(
                IndicatorPanel(
                    ind.id,
                    ratings,
                    spread([r.level for r in by_sub.values()], rule),
                    ind.id in record.round2_indicators,
                )
            )
        return rows

    def panel_view(self, actor: Actor, assessment_id: int) -> list[IndicatorPanel]:
        """Every indicator's ratings and spread.

        The coordinator sees who rated what at any time. Other readers see the anonymous spread,
        and only once the assessment is finalised: until then an expert sees only their own.
        """
        record, access = self._visible(actor, assessment_id, "panel.read")
        if not access.coordinator and record.status != "finalised":
            raise self._deny(
                actor,
                "panel.read",
                f"mlm:assessment/{assessment_id}",
                "the panel's ratings are visible to the coordinator until the "
                "assessment is finalised",
            )
        self._log(actor, "panel.read", f"mlm:assessment/{assessment_id}")
        return self._panel_rows(record, names=access.coordinator)

    def record_consensus(
        self,
        actor: Actor,
        assessment_id: int,
        indicator_id: str,
        *,
        level: int,
        rationale: str = "",
    ) -> None:
        """Record the agreed level of one indicator (coordinator, consensus step)."""
        self.record_consensus_many(actor, assessment_id, {indicator_id: (level, rationale)})

    def record_consensus_many(
        self, actor: Actor, assessment_id: int, levels: Mapping[str, tuple[int, str]]
    ) -> None:
        """Record agreed levels {indicator id: (level, rationale)}, e.g. a whole domain."""
        record = self._as_coordinator(actor, assessment_id, "consensus.record")
        self._open(actor, record, "consensus.record")
        if record.status != "consensus":
            raise WorkflowError("consensus is recorded after the rating round is closed")
        model = self.model(record.model_version)
        records = []
        for indicator_id, (level, rationale) in levels.items():
            if indicator_id not in model.by_id:
                raise InvalidInputError(
                    f"no indicator {indicator_id!r} in model {record.model_version}"
                )
            if level not in (1, 2, 3, 4, 5):
                raise InvalidInputError(f"indicator {indicator_id}: level {level}: choose 1 to 5")
            records.append(
                ConsensusRecord(
                    assessment_id,
                    indicator_id,
                    level,
                    rationale.strip()[:4000],
                    actor.label,
                    self._now(),
                )
            )
        self._store.put_consensus(records)
        self._log(
            actor,
            "consensus.record",
            f"mlm:assessment/{assessment_id}",
            reason=",".join(f"{k}={v[0]}" for k, v in sorted(levels.items()))[:500],
        )

    def finalise(self, actor: Actor, assessment_id: int, *, at: int | None = None) -> str:
        """Finalise: read-only from now on; returns the SHA-256 of the frozen snapshot."""
        record = self._as_coordinator(actor, assessment_id, "assessment.finalise")
        self._open(actor, record, "assessment.finalise")
        if record.status != "consensus":
            raise WorkflowError("close the rating round and record consensus before finalising")
        model = self.model(record.model_version)
        levels = {c.indicator_id: c for c in self._store.consensus(assessment_id)}
        missing = [i.id for i in model.indicators if i.id not in levels]
        if missing:
            raise WorkflowError(
                f"{len(missing)} indicator(s) have no consensus level yet (first: {missing[0]})"
            )
        snapshot = json.dumps(
            {
                "assessment": assessment_id,
                "system": record.system_id,
                "model": model.version,
                "modelDigest": model.digest,
                "consensus": {
                    k: {"level": v.level, "rationale": v.rationale}
                    for k, v in sorted(levels.items())
                },
            },
            sort_keys=True,
        )
        digest = hashlib.sha256(snapshot.encode()).hexdigest()
        self._store.update_assessment(
            assessment_id,
            expect_status="consensus",
            status="finalised",
            finalised_at=at if at is not None else self._now(),
            snapshot=snapshot,
            snapshot_sha256=digest,
        )
        self._log(
            actor,
            "assessment.finalise",
            f"mlm:assessment/{assessment_id}",
            reason=f"sha256:{digest}",
        )
        return digest

    # --- after finalisation: target, roadmap, sharing -------------------------------------
    def set_target(self, actor: Actor, assessment_id: int, target_level: int) -> None:
        """Set the level the country aims for (drives the gap list)."""
        self._as_coordinator(actor, assessment_id, "target.set")
        if target_level not in (2, 3, 4, 5):
            raise InvalidInputError("target level must be 2, 3, 4 or 5")
        self._store.update_assessment(assessment_id, target_level=target_level)
        self._log(
            actor, "target.set", f"mlm:assessment/{assessment_id}", reason=f"level {target_level}"
        )

    def set_roadmap(
        self,
        actor: Actor,
        assessment_id: int,
        indicator_id: str,
        *,
        stage: str,
        owner: str = "",
        due: str = "",
    ) -> None:
        """Plan an action on a gap: roadmap stage, owner and due date (YYYY-MM-DD)."""
        record = self._as_coordinator(actor, assessment_id, "roadmap.set")
        if stage not in res.STAGES:
            raise InvalidInputError(f"stage {stage!r}: use one of {list(res.STAGES)}")
        if due and not _DATE.match(due):
            raise InvalidInputError(f"due date {due!r}: use YYYY-MM-DD")
        if indicator_id not in self.model(record.model_version).by_id:
            raise InvalidInputError(f"no indicator {indicator_id!r}")
        self._store.put_roadmap(
            RoadmapRecord(assessment_id, indicator_id, stage, owner.strip()[:200], due, self._now())
        )
        self._log(actor, "roadmap.set", f"mlm:assessment/{assessment_id}/{indicator_id}")

    def share(self, actor: Actor, assessment_id: int, *, shared: bool) -> None:
        """Share a finalised assessment with the benchmark, or withdraw it."""
        record = self._as_coordinator(actor, assessment_id, "benchmark.share")
        if record.status != "finalised":
            raise WorkflowError("only a finalised assessment can be shared with the benchmark")
        self._store.update_assessment(assessment_id, shared_at=self._now() if shared else None)
        self._log(
            actor,
            "benchmark.share" if shared else "benchmark.withdraw",
            f"mlm:assessment/{assessment_id}",
        )

    # --- reading --------------------------------------------------------------------------
    def view(self, actor: Actor, assessment_id: int) -> AssessmentView:
        """The assessment as ``actor`` may see it."""
        record, access = self._visible(actor, assessment_id, "assessment.read")
        model = self.model(record.model_version)
        consensus = {c.indicator_id: c for c in self._store.consensus(assessment_id)}
        if not (access.coordinator or record.status == "finalised"):
            consensus = {}
        mine: dict[str, RatingRecord] = {}
        submitted = None
        if access.expert:
            for r in sorted(
                self._store.ratings(assessment_id, sub=actor.sub), key=lambda r: r.round
            ):
                mine[r.indicator_id] = r
            submitted = next(
                p.submitted_round for p in self._store.panel(assessment_id) if p.sub == actor.sub
            )
        panel = (
            tuple((self._names(p.sub), p.submitted_round) for p in self._store.panel(assessment_id))
            if access.coordinator
            else ()
        )
        medians: dict[str, float] = {}
        if record.round == 2 and access.expert:
            # Delphi: experts re-rate knowing where the panel stood, not who said what.
            for row in self._panel_rows(record, names=False):
                if row.in_round2 and row.spread.median is not None:
                    medians[row.indicator_id] = row.spread.median
        return AssessmentView(
            record,
            self._store.system(record.system_id),
            model,
            access,
            DelphiRule(**record.rule),
            consensus,
            mine,
            submitted,
            panel,
            medians,
        )

    def history(self, actor: Actor, assessment_id: int) -> list[tuple[str, str, str, str, str]]:
        """The audit trail of an assessment, newest first (coordinator): every change and refusal.

        Rows are (time, who, action, what, result); ``who`` is the account's username.
        """
        self._as_coordinator(actor, assessment_id, "history.read")
        if self._history is None:
            return []
        base = f"mlm:assessment/{assessment_id}"
        rows = []
        for e in self._history(base):
            who = e.user if e.user in (None, "cli") else self._names(e.user)
            what = e.resource.removeprefix(base).lstrip("/") or "assessment"
            rows.append(
                (
                    e.at,
                    who or "anonymous",
                    e.action.removeprefix("mlm."),
                    f"indicator {what}" if what != "assessment" else what,
                    e.result,
                )
            )
        return rows

    def evidence_list(self, actor: Actor, assessment_id: int) -> list[Any]:
        """Evidence documents the actor may see (own, or all for the coordinator)."""
        record, access = self._visible(actor, assessment_id, "evidence.list")
        if access.coordinator or record.status == "finalised":
            return self._store.evidence(assessment_id)
        return self._store.evidence(assessment_id, sub=actor.sub)

    def _finalised(self, actor: Actor, assessment_id: int, action: str) -> AssessmentView:
        view = self.view(actor, assessment_id)
        if view.record.status != "finalised" and not view.access.coordinator:
            raise WorkflowError("results appear once the coordinator finalises the assessment")
        return view

    def results(self, actor: Actor, assessment_id: int) -> dict[str, Any]:
        """Domain summaries (derived), gaps with roadmap items, and deltas from the last round."""
        view = self._finalised(actor, assessment_id, "results.read")
        levels = view.levels
        roadmap = {r.indicator_id: r for r in self._store.roadmap(assessment_id)}
        previous = self._previous(view.record)
        deltas = None
        if previous is not None:
            deltas = res.deltas(
                view.model, levels, self.model(previous.model_version), self._levels(previous)
            )
        return {
            "view": view,
            "summaries": res.domain_summaries(view.model, levels),
            "gaps": res.gaps(view.model, levels, view.record.target_level),
            "roadmap": roadmap,
            "previous": previous,
            "deltas": deltas,
        }

    def _levels(self, record: AssessmentRecord) -> dict[str, int]:
        if record.snapshot:
            return {k: v["level"] for k, v in json.loads(record.snapshot)["consensus"].items()}
        return {c.indicator_id: c.level for c in self._store.consensus(record.id)}

    def _previous(self, record: AssessmentRecord) -> AssessmentRecord | None:
        earlier = [
            a
            for a in self._store.assessments(system_id=record.system_id)
            if a.status == "finalised"
            and a.id != record.id
            and (a.finalised_at or 0) < (record.finalised_at or 2**62)
        ]
        return max(earlier, key=lambda a: a.finalised_at or 0) if earlier else None

    def progress(
        self, actor: Actor, system_id: str
    ) -> list[tuple[AssessmentRecord, list[res.Delta] | None]]:
        """Finalised assessments of a system, oldest first, each with deltas from the previous.

        For administrators and the system's coordinators and viewers; others get NotFoundError.
        """
        if not (actor.is_admin or self.roles(actor).get(system_id)):
            self._log(actor, "progress.read", f"mlm:system/{system_id}", "denied", "no role")
            raise NotFoundError(f"no health system {system_id!r} you have a role in")
        out: list[tuple[AssessmentRecord, list[res.Delta] | None]] = []
        prev: AssessmentRecord | None = None
        for a in self._store.assessments(system_id=system_id):
            if a.status != "finalised" or not self._access(actor, a).reader:
                continue
            d = None
            if prev is not None:
                d = res.deltas(
                    self.model(a.model_version),
                    self._levels(a),
                    self.model(prev.model_version),
                    self._levels(prev),
                )
            out.append((a, d))
            prev = a
        self._log(actor, "progress.read", f"mlm:system/{system_id}")
        return sorted(out, key=lambda x: x[0].finalised_at or 0)

    def _pool(self, model: Model) -> list[tuple[str, dict[str, int]]]:
        """Latest shared finalised assessment per system, mapped onto ``model``."""
        latest: dict[str, AssessmentRecord] = {}
        for a in self._store.assessments():
            if a.status == "finalised" and a.shared_at is not None:
                cur = latest.get(a.system_id)
                if cur is None or (a.finalised_at or 0) > (cur.finalised_at or 0):
                    latest[a.system_id] = a
        from onemg.governance.mlm.model import comparable

        pool = []
        for system_id, a in sorted(latest.items()):
            levels = self._levels(a)
            if a.model_version != model.version:
                pairs = comparable(model, self.model(a.model_version))
                levels = {new: levels[old] for new, old in pairs.items() if old in levels}
            pool.append((system_id, levels))
        return pool

    def benchmark(
        self, actor: Actor, assessment_id: int
    ) -> tuple[AssessmentView, list[bench.IndicatorBenchmark], int]:
        """This finalised assessment against the systems that shared (see :mod:`.benchmark`)."""
        view = self.view(actor, assessment_id)
        if view.record.status != "finalised":
            raise WorkflowError("finalise the assessment before comparing it with others")
        pool = self._pool(view.model)
        self._log(actor, "benchmark.read", f"mlm:assessment/{assessment_id}")
        return (
            view,
            bench.indicator_benchmarks(view.model, view.levels, [lv for _, lv in pool]),
            len(pool),
        )

    def cross_europe(self, actor: Actor, model_version: str | None = None) -> bench.CrossEurope:
        """Cross-Europe view over the shared assessments (coordinators and administrators)."""
        if not self.is_coordinator(actor):
            raise self._deny(
                actor,
                "benchmark.europe",
                "mlm:benchmark",
                "cross-Europe views are for health system coordinators",
            )
        model = self.model(model_version)
        self._log(actor, "benchmark.europe", "mlm:benchmark")
        return bench.cross_europe(model, [lv for _, lv in self._pool(model)])

    def export(self, actor: Actor, assessment_id: int) -> dict[str, Any]:
        """The assessment as one JSON document (results, consensus, anonymous spread)."""
        data = self.results(actor, assessment_id)
        view: AssessmentView = data["view"]
        panel = {p.indicator_id: p.spread for p in self._panel_rows(view.record, names=False)}
        self._log(actor, "assessment.export", f"mlm:assessment/{assessment_id}")
        return _export(view, data, panel)


def _export(
    view: AssessmentView, data: Mapping[str, Any], panel: Mapping[str, Spread]
) -> dict[str, Any]:
    r = view.record
    return {
        "assessment": {
            "id": r.id,
            "title": r.title,
            "status": r.status,
            "system": {
                "id": view.system.id,
                "name": view.system.name,
                "country": view.system.country,
                "region": view.system.region,
                "fictional": view.system.fictional,
            },
            "modelVersion": r.model_version,
            "openedAt": r.opened_at,
            "finalisedAt": r.finalised_at,
            "snapshotSha256": r.snapshot_sha256,
            "targetLevel": r.target_level,
            "delphiRule": r.rule,
            "sharedWithBenchmark": r.shared_at is not None,
        },
        "indicators": [
            {
                "id": ind.id,
                "domain": ind.domain_id,
                "subdomain": ind.subdomain_id,
                "statement": ind.statement,
                "consensusLevel": view.consensus[ind.id].level
                if ind.id in view.consensus
                else None,
                "rationale": view.consensus[ind.id].rationale if ind.id in view.consensus else "",
                "panelMedian": panel[ind.id].median,
                "panelAgreementPct": panel[ind.id].agreement_pct,
                "panelAgreed": panel[ind.id].consensus,
            }
            for ind in view.model.indicators
        ],
        "domainSummaries": {
            "derived": True,
            "note": "unweighted mean and median of the "
            "consensus levels; the model defines no composite score",
            "domains": [s.__dict__ for s in data["summaries"]],
        },
        "gaps": [
            {
                "indicator": g.indicator.id,
                "level": g.level,
                "target": g.target,
                "nextStep": g.next_step,
                "stage": (
                    data["roadmap"][g.indicator.id].stage
                    if g.indicator.id in data["roadmap"]
                    else g.default_stage
                ),
                "owner": (
                    data["roadmap"][g.indicator.id].owner
                    if g.indicator.id in data["roadmap"]
                    else ""
                ),
                "due": (
                    data["roadmap"][g.indicator.id].due if g.indicator.id in data["roadmap"] else ""
                ),
            }
            for g in data["gaps"]
        ],
        "progress": None
        if data["deltas"] is None
        else {
            "previousAssessment": data["previous"].id,
            "deltas": [
                {
                    "indicator": d.indicator.id,
                    "previous": d.previous,
                    "current": d.current,
                    "delta": d.delta,
                }
                for d in data["deltas"]
            ],
        },
    }
