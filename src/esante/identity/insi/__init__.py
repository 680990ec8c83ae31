"""The INSi teleservice's messages as values and XML: queries, answers, verification.

Pure formats (no I/O): what the client (:mod:`esante.insi`) sends and reads, and what
the sandbox (:mod:`esante.sandbox.insi`) reads and answers. See
:mod:`~esante.identity.insi.vocabulary` for the sources.
"""

from esante.identity.insi.matching import Verification, compare_traits, verify
from esante.identity.insi.messages import (
    ContexteBam,
    ContexteLps,
    build_contexte_bam,
    build_contexte_lps,
    build_request_body,
    build_resultat,
    parse_contexte_bam,
    parse_contexte_lps,
    parse_request_body,
    parse_resultat,
)
from esante.identity.insi.queries import LunarDate, TraitsQuery, VitaleQuery
from esante.identity.insi.results import InsiIndividual, InsiTraits, InsRecord, Resultat
from esante.identity.insi.vocabulary import Operation, ResultCode

__all__ = [
    "ContexteBam",
    "ContexteLps",
    "InsRecord",
    "InsiIndividual",
    "InsiTraits",
    "LunarDate",
    "Operation",
    "ResultCode",
    "Resultat",
    "TraitsQuery",
    "Verification",
    "VitaleQuery",
    "build_contexte_bam",
    "build_contexte_lps",
    "build_request_body",
    "build_resultat",
    "compare_traits",
    "parse_contexte_bam",
    "parse_contexte_lps",
    "parse_request_body",
    "parse_resultat",
    "verify",
]
