"""The portal's fixed vocabularies: the ten stakeholder groups, volunteer roles, outcomes.

The groups are those of the B1MG Stakeholder Coordination Portal (WP1, launched October 2020).
"""

from __future__ import annotations

from onemg.errors import InvalidInputError

#: (key, label) of the ten stakeholder groups.
GROUPS: tuple[tuple[str, str], ...] = (
    ("citizens", "Citizens and patient organisations"),
    ("clinicians", "Clinicians and medical specialists"),
    ("academics", "Academics"),
    ("medicines", "Medicines authorities (EU/EMA and national)"),
    ("hta", "HTA bodies"),
    ("funders", "Funders"),
    ("industry", "Industry (diagnostic, pharmaceutical, ICT)"),
    ("policy", "National policy and decision makers"),
    ("infrastructures", "Infrastructures"),
    ("joint_actions", "EU Joint Actions"),
)
GROUP_LABELS = dict(GROUPS)

#: (key, label) of the roles a member may volunteer for.
VOLUNTEER_ROLES: tuple[tuple[str, str], ...] = (
    ("workshop_expert", "Workshop expert"),
    ("early_reviewer", "Early reviewer"),
    ("validator", "Validator"),
)
ROLE_LABELS = dict(VOLUNTEER_ROLES)

#: Round kinds and the volunteer role each one is open to.
ROUND_KINDS: dict[str, str] = {"early_review": "early_reviewer", "validation": "validator"}
ROUND_LABELS = {"early_review": "Early review", "validation": "Validation"}

DISPOSITIONS: tuple[tuple[str, str], ...] = (
    ("accepted", "Accepted"),
    ("partly_accepted", "Partly accepted"),
    ("rejected", "Rejected"),
    ("noted", "Noted"),
)
DISPOSITION_LABELS = dict(DISPOSITIONS)

VERDICTS: tuple[tuple[str, str], ...] = (
    ("endorse", "Endorse"),
    ("endorse_with_changes", "Endorse with changes"),
    ("do_not_endorse", "Do not endorse"),
)
VERDICT_LABELS = dict(VERDICTS)

#: Document access levels, from the widest to the narrowest.
ACCESS_LEVELS: tuple[tuple[str, str], ...] = (
    ("public", "Public"),
    ("stakeholders", "Registered stakeholders"),
    ("round", "Participants of one review round"),
    ("workshop", "Participants of one workshop"),
    ("wp", "Work package members"),
)
ACCESS_LABELS = dict(ACCESS_LEVELS)


def pick(kind: str, value: str, allowed: dict[str, str]) -> str:
    """``value`` if it is one of ``allowed``; otherwise an error that lists the choices."""
    if value not in allowed:
        raise InvalidInputError(
            f"{kind} {value!r} is not known; choose one of {', '.join(allowed)}"
        )
    return value


def pick_many(kind: str, values: list[str], allowed: dict[str, str]) -> tuple[str, ...]:
    """The distinct ``values``, each checked with :func:`pick`, in the vocabulary's order."""
    chosen = {pick(kind, v, allowed) for v in values}
    return tuple(k for k in allowed if k in chosen)


#: Countries offered by the registration form (EU, EEA, Switzerland, the UK); ISO 3166 alpha-2.
COUNTRIES: tuple[tuple[str, str], ...] = (
    ("AT", "Austria"),
    ("BE", "Belgium"),
    ("BG", "Bulgaria"),
    ("HR", "Croatia"),
    ("CY", "Cyprus"),
    ("CZ", "Czechia"),
    ("DK", "Denmark"),
    ("EE", "Estonia"),
    ("FI", "Finland"),
    ("FR", "France"),
    ("DE", "Germany"),
    ("GR", "Greece"),
    ("HU", "Hungary"),
    ("IS", "Iceland"),
    ("IE", "Ireland"),
    ("IT", "Italy"),
    ("LV", "Latvia"),
    ("LI", "Liechtenstein"),
    ("LT", "Lithuania"),
    ("LU", "Luxembourg"),
    ("MT", "Malta"),
    ("NL", "Netherlands"),
    ("NO", "Norway"),
    ("PL", "Poland"),
    ("PT", "Portugal"),
    ("RO", "Romania"),
    ("SK", "Slovakia"),
    ("SI", "Slovenia"),
    ("ES", "Spain"),
    ("SE", "Sweden"),
    ("CH", "Switzerland"),
    ("GB", "United Kingdom"),
)
COUNTRY_LABELS = dict(COUNTRIES)
