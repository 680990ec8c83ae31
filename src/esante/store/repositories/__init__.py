"""The practice database's queries, one repository per aggregate.

Services (:mod:`esante.practice`) hold the rules and call these; routers never query.
Repositories flush but never commit. Missing rows raise
:class:`~esante.store.NotFoundError`, uniqueness violations
:class:`~esante.store.ConflictError`.
"""

from esante.store.repositories.page import MAX_LIMIT, Page
from esante.store.repositories.patients import PatientCriteria, PatientRepository
from esante.store.repositories.practitioners import PractitionerCriteria, PractitionerRepository
from esante.store.repositories.structures import StructureRepository
from esante.store.repositories.text import fold, folded

__all__ = [
    "MAX_LIMIT",
    "Page",
    "PatientCriteria",
    "PatientRepository",
    "PractitionerCriteria",
    "PractitionerRepository",
    "StructureRepository",
    "fold",
    "folded",
]
