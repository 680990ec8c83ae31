"""The sandbox INSi's answers: a query in, ``RESULTAT`` out.

``00`` with the person when exactly one identity matches, ``01`` when none, ``02`` when
several (no identity is returned then: the caller must narrow the search). The labels
are the service's (:attr:`esante.identity.insi.ResultCode.official_label`).
"""

from __future__ import annotations

from esante.identity.insi import Resultat, ResultCode, TraitsQuery, VitaleQuery
from esante.sandbox.insi.registry import InsiPerson, InsiRegistry

__all__ = ["answer"]


def _resultat(found: list[InsiPerson]) -> Resultat:
    if not found:
        return Resultat(ResultCode.NOT_FOUND, ResultCode.NOT_FOUND.official_label)
    if len(found) > 1:
        return Resultat(ResultCode.SEVERAL, ResultCode.SEVERAL.official_label)
    return Resultat(ResultCode.FOUND, ResultCode.FOUND.official_label, found[0].individual)


def answer(registry: InsiRegistry, query: TraitsQuery | VitaleQuery) -> Resultat:
    """What the service answers to ``query``."""
    if isinstance(query, TraitsQuery):
        return _resultat(
            registry.search_traits(
                query.birth_name,
                query.given_names,
                query.sex,
                query.birth_date,
                query.birthplace_cog,
            )
        )
    return _resultat(
        registry.search_vitale(
            query.insured_nir,
            query.birth_date,
            query.birth_rank,
            query.beneficiary_nir,
            query.birth_name,
        )
    )
