"""The one call the Beacon makes to disclose counts: floors, perturbation and budgets together.

:meth:`PrivacyGuard.disclose` takes the exact answer of each dataset in scope (as
:class:`AnswerFacts`) and returns what may be reported, after the dataset's effective privacy
settings (:func:`onemg.privacy.policy.effective`) for this caller:

* below the record tier only (a caller who may list the records gets exact counts);
* ``none``: the exact count, even 1 (a measurement baseline, never a deployment);
* every other profile keeps the k floor on exact counts (``onemg.beacon.policy``);
* anonymous callers (profiles with budgets) get variant answers only for alleles at least
  ``public_min_af`` frequent, and none among people narrowed by filters; otherwise the request
  is refused (403), the same for an absent variant and a rare one, so the refusal says nothing
  about presence;
* answers about few carriers' genotypes, that is rare-allele answers (every matched allele
  below ``rare_af``, or none matched) and *every* variant answer among people narrowed by
  filters, are perturbed with ``rare_epsilon`` (profiles with ``perturb``) and cost the risk
  budget (profiles with ``budget``): ``rare_epsilon`` each; in the exact ``budget`` profile a
  "yes" about a rare allele costs its evidence (:func:`onemg.privacy.policy.yes_cost`);
* other filtered counts (a filter or a path id narrows the individuals, no variant) are
  perturbed with ``count_epsilon`` and floored at k afterwards; with budgets each new one costs
  ``count_epsilon`` of the user's ``count_budget``.

Noise is keyed (:mod:`onemg.privacy.perturb`) by the user, the dataset and the answer key (what
is counted), so a repeat or a rewording gets the same answer; budgets are charged by the question
key (what was asked, from the request alone), so a repeat costs nothing and anything else costs,
whatever the data. The charges of one request are paid in one
transaction (:class:`onemg.privacy.budget.BudgetStore`), or the request is refused.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from onemg.beacon.policy import ReportedCount, floor_count, suppressed
from onemg.errors import AccessDeniedError
from onemg.individual_set import IndividualSet
from onemg.privacy.budget import BudgetStore, Charge, Spent
from onemg.privacy.differencing import CountSets
from onemg.privacy.perturb import NoisyCount, noisy_count
from onemg.privacy.policy import effective, top_tier, yes_cost
from onemg.security import Principal
from onemg.settings import PrivacySettings

ANONYMOUS = "anonymous"


@dataclass(frozen=True)
class AnswerFacts:
    """One dataset's exact answer, as the guard needs to know it."""

    dataset_id: str
    #: Individuals in the dataset.
    n: int
    #: The exact count the answer reports (individuals, their samples, or variants).
    count: int
    #: True below the dataset's record tier (the caller may not list the records).
    protect: bool
    #: Fewer than k people behind the answer (``onemg.beacon.service``'s rule).
    few_people: bool = False
    #: The answer rests on matched variant rows (a variant query or a variant path id).
    variant: bool = False
    #: Highest allele frequency among the matched rows (0 when none matched).
    max_af: float = 0.0
    #: A filter or a path id narrows the individuals.
    filtered: bool = False
    #: Gives a digest of what the answer counts (rows, individual set, entry type, version):
    #: the noise key, computed only for perturbed answers.
    key: Callable[[], str] | None = None
    #: The descriptor's ``privacy`` object.
    override: Mapping[str, Any] | None = None
    #: Carriers behind the answer (computed only when an exact rare "yes" is costed).
    people: Callable[[], int] | None = None
    #: The count is of matched variant rows (``g_variants`` with a variant): the k floor then
    #: applies to the people carrying them, not to the number of rows, which is 1 for a
    #: single-variant lookup however common the allele.
    counts_variants: bool = False
    #: ``at_least(k)``: whether at least ``k`` people carry the matched rows (cheap for common
    #: rows; exact otherwise). Required with ``counts_variants``.
    at_least: Callable[[int], bool] | None = None
    #: For a filtered count: ``(family, people)``, what is counted apart from the people and
    #: the people it counts (:mod:`onemg.privacy.differencing`).
    people_set: Callable[[], tuple[str, IndividualSet]] | None = None

    #: Gives a digest of the question asked (the request, not the data): what budgets charge,
    #: so that whether a question is a repeat never depends on the data.
    question: Callable[[], str] | None = None

    @property
    def answer_key(self) -> str:
        """The digest of what the answer counts (see ``key``)."""
        return self.key() if self.key is not None else ""

    @property
    def question_key(self) -> str:
        """The digest of the question (see ``question``; the answer key when not given)."""
        return self.question() if self.question is not None else self.answer_key


@dataclass(frozen=True)
class _Given:
    """A new noisy filtered count of this request, kept once the request is paid for."""

    dataset_id: str
    family: str
    answer_key: str
    count: int
    members: IndividualSet


@dataclass(frozen=True)
class _Draw:
    """A perturbed answer still to draw: ``epsilon``, and whether it is about few carriers (a
    rare allele, or an allele among filtered people: noise key ``rare``, no floor)."""

    facts: AnswerFacts
    epsilon: float
    rare: bool


@dataclass
class Disclosure:
    """What may be reported for each :class:`AnswerFacts`, in order."""

    counts: list[ReportedCount] = field(default_factory=list)
    #: Per answer, the result set's ``info`` additions (``perturbation``), or ``None``.
    infos: list[dict[str, Any] | None] = field(default_factory=list)
    #: Per dataset, what to add to its audit entry (budget spent, perturbation).
    notes: dict[str, str] = field(default_factory=dict)


class PrivacyRefusedError(AccessDeniedError):
    """An answer the privacy settings do not allow this caller (HTTP 403)."""


def anonymous_refusal(datasets: Sequence[str], threshold: float, *, filtered: bool) -> str:
    """The message of a variant query refused to an anonymous caller."""
    what = (
        "about variants among people narrowed by filters are not answered"
        if filtered
        else f"about variants are answered only for alleles with a frequency of at least "
        f"{threshold:g}"
    )
    why = (
        "a count of carriers within a filtered group is about few people, however common the "
        "allele"
        if filtered
        else "this one is rarer, or absent"
    )
    return (
        f"anonymous queries {what} in dataset(s) {', '.join(datasets)} ({why}). Log in and "
        "send your passport (`onemg login`, then `onemg passport --node CC`): such answers are "
        "then given with privacy noise and counted against your risk budget. Or ask without "
        "filters, limited with datasetIds to datasets where the variant is common"
    )


class PrivacyGuard:
    """Applies one node's privacy settings (see the module docstring)."""

    def __init__(
        self,
        settings: PrivacySettings,
        *,
        k: int,
        secret: Callable[[], bytes],
        budgets: Callable[[], BudgetStore],
        count_sets: Callable[[], CountSets] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        self.k = k
        self._secret = secret
        self._budgets = budgets
        self._count_sets = count_sets
        self._clock = clock

    def settings_for(
        self, override: Mapping[str, Any] | None, principal: Principal, dataset_id: str
    ) -> PrivacySettings:
        """The effective settings of one dataset for ``principal``."""
        return effective(self.settings, override, top_tier(principal.tiers_for(dataset_id)))

    def disclose(self, facts: Sequence[AnswerFacts], principal: Principal) -> Disclosure:
        """Decide what each answer may report, and pay for it.

        Raises:
            PrivacyRefusedError: an anonymous caller asked about a rare allele.
            onemg.privacy.budget.BudgetSpentError: a budget cannot pay for a new answer.
        """
        out = Disclosure()
        charges: list[Charge] = []
        gated: list[str] = []
        gated_filtered = False
        threshold = 0.0
        notes: dict[str, list[str]] = {}
        user = principal.subject or ANONYMOUS
        given: list[_Given] = []
        draws: list[tuple[int, _Draw]] = []
        for f in facts:
            p = self.settings_for(f.override, principal, f.dataset_id)
            outcome = self._one(f, p, user, principal.authenticated, charges)
            if isinstance(outcome, _Draw):
                draws.append((len(out.counts), outcome))
                count, info = ReportedCount(0), None
            else:
                count, info = outcome
            if count is None:
                gated.append(f.dataset_id)
                gated_filtered |= f.filtered
                threshold = max(threshold, p.public_min_af)
                count = ReportedCount(0)
            out.counts.append(count)
            out.infos.append(info)
        if gated:
            raise PrivacyRefusedError(anonymous_refusal(gated, threshold, filtered=gated_filtered))
        spent: list[Spent] = []
        if charges and principal.subject is not None:
            spent = self._budgets().charge(principal.subject, charges, now=int(self._clock()))
        # Drawn once paid for: what a count is charged does not depend on the draw, so a
        # refused request never reads the count history.
        for i, draw in draws:
            out.counts[i], out.infos[i] = self._draw(draw, user, notes, given)
        for s in spent:
            notes.setdefault(s.dataset_id, []).append(_spent_note(s))
        if given and self._count_sets is not None:
            # Kept only once the request has been paid for: an answer never given is no anchor.
            sets, now = self._count_sets(), int(self._clock())
            for g in given:
                sets.remember(user, g.dataset_id, g.family, g.answer_key, g.count, g.members,
                              now=now)  # fmt: skip
        out.notes = {ds: "; ".join(items) for ds, items in notes.items()}
        return out

    def _one(
        self,
        f: AnswerFacts,
        p: PrivacySettings,
        user: str,
        authenticated: bool,
        charges: list[Charge],
    ) -> tuple[ReportedCount | None, dict[str, Any] | None] | _Draw:
        """One answer: what it reports (``None``: refused to an anonymous caller), or a
        :class:`_Draw` to make once the request is paid for; its charge, if any, is appended."""
        if not f.protect or p.profile == "none":
            return ReportedCount(f.count), None
        if p.budgets and not authenticated and f.variant and (
            f.max_af < p.public_min_af or f.filtered
        ):
            return None, None
        if f.few_people:
            # Fewer than k people behind a count of their variants: theirs alone, noisy or not.
            return suppressed(self.k), None
        # About the genotypes of few carriers: a rare allele, or any allele among people
        # narrowed by filters (within a group even a common allele has few carriers, and the
        # count pairs with the group's own count: the 10,000-question run's differencing).
        few = f.variant and (f.max_af < p.rare_af or f.filtered)
        budgeted = p.budgets and authenticated
        if p.perturb and (few or f.filtered):
            epsilon = p.rare_epsilon if few else p.count_epsilon
            if budgeted:
                # Paid as the question it is, whatever answer it gets: were questions that
                # count the same people, or nearly the same, or nobody, free as repeats, a
                # spent budget would answer those and refuse the others, and which questions
                # are refused would tell the data.
                charges.append(
                    Charge(
                        f.dataset_id,
                        "risk" if few else "epsilon",
                        f.question_key,
                        epsilon,
                        p.budget if few else p.count_budget,
                    )
                )
            return _Draw(f, epsilon, few)
        if f.counts_variants and f.at_least is not None:
            count = ReportedCount(f.count) if f.at_least(self.k) else suppressed(self.k)
        else:
            count = floor_count(f.count, self.k, protect=True)
        # Exact answers (profile ``budget``): the evidence of a "yes" about a rare allele.
        if budgeted and f.variant and f.max_af < p.rare_af and count.exists:
            carriers = f.people() if f.people is not None else f.count
            cost = yes_cost(carriers, f.n)
            if cost > 0:
                charges.append(Charge(f.dataset_id, "risk", f.question_key, cost, p.budget))
        return count, None

    def _draw(
        self, d: _Draw, user: str, notes: dict[str, list[str]], given: list[_Given]
    ) -> tuple[ReportedCount, dict[str, Any]]:
        """A perturbed answer: the noise of its own question, or of an earlier count fewer
        than k people apart (:mod:`onemg.privacy.differencing`)."""
        f = d.facts
        kind = "rare" if d.rare else "count"
        key, count = f.answer_key, f.count
        note = f"perturbed {kind} epsilon={d.epsilon:g}"
        if not d.rare and f.people_set is not None and self._count_sets is not None:
            family, members = f.people_set()
            prior = self._count_sets().nearest(user, f.dataset_id, family, members, self.k)
            if prior is not None and prior.answer_key != key:
                # Fewer than k people apart from an earlier count: that count's answer.
                key, count = prior.answer_key, prior.count
                note += f" (same answer as an earlier count {prior.distance} people apart)"
            elif prior is None:
                given.append(_Given(f.dataset_id, family, key, count, members))
        noisy = noisy_count(
            count, epsilon=d.epsilon, secret=self._secret(), parts=(user, f.dataset_id, kind, key)
        )
        notes.setdefault(f.dataset_id, []).append(note)
        return _reported(noisy, floor=0 if d.rare else self.k), {"perturbation": noisy.describe()}

    def hint_allowed(
        self,
        override: Mapping[str, Any] | None,
        principal: Principal,
        dataset_id: str,
        max_af: float,
    ) -> bool:
        """Whether a hint may reveal that a variant exists (only about common alleles)."""
        return max_af >= self.listable_min_af(override, principal, dataset_id)

    def listable_min_af(
        self,
        override: Mapping[str, Any] | None,
        principal: Principal,
        dataset_id: str,
    ) -> float:
        """The lowest allele frequency an answer may name outright, beside the counted answer.

        Hints and frequency lists bypass the budget and the noise, so under a profile that
        protects rare alleles they name only variants the rules treat as common.
        """
        p = self.settings_for(override, principal, dataset_id)
        if p.profile in ("none", "k-floor"):
            return 0.0
        return max(p.rare_af, p.public_min_af if not principal.authenticated else 0)


def _reported(noisy: NoisyCount, *, floor: int) -> ReportedCount:
    """A noisy count as reported: below ``floor`` (filtered counts) it is withheld as 0."""
    if floor > 1 and noisy.count < floor:
        high = floor - 1 + (noisy.high - noisy.count)
        return ReportedCount(0, exact=False, adjusted_to=f"~0-{high}", bounds=(0, high), noisy=True)
    return ReportedCount(
        noisy.count,
        exact=False,
        adjusted_to=f"~{noisy.low}-{noisy.high}",
        bounds=(noisy.low, noisy.high),
        noisy=True,
    )


def _spent_note(s: Spent) -> str:
    what = "risk budget" if s.ledger == "risk" else "epsilon budget"
    repeat = " (repeat: free)" if not s.new else ""
    return f"{what} {s.spent:.6g}/{s.limit:g}{repeat}"


def floor_only(k: int) -> PrivacyGuard:
    """A guard with today's k floor alone (for callers that configure no privacy)."""

    def unused() -> Any:
        raise RuntimeError("the k-floor profile neither draws noise nor keeps budgets")

    return PrivacyGuard(PrivacySettings(profile="k-floor"), k=k, secret=unused, budgets=unused)
