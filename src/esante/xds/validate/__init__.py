"""Validation of XDS metadata and requests: single checks, per-transaction profiles, catalogue.

``messages`` is the catalogue (failures tied to XDS error codes), ``checks`` the
single-purpose validators, ``context`` what they know beyond the message (code
checker, registry knowledge, required-attribute profiles), ``submissions`` and
``queries`` their combinations per transaction (ITI-41/57, ITI-18/43). Public
names are re-exported by :mod:`esante.xds`.
"""

from esante.xds.validate.checks import CodeChecker, terminology_code_checker
from esante.xds.validate.context import ValidationContext, raise_for_failures
from esante.xds.validate.messages import (
    ErrorCode,
    MessageSpec,
    ValidationFailure,
    ValidationMessage,
)
from esante.xds.validate.queries import (
    validate_query_request,
    validate_query_response,
    validate_retrieve_request,
)
from esante.xds.validate.submissions import (
    validate_provide_and_register,
    validate_update_document_set,
)

__all__ = [
    "CodeChecker",
    "ErrorCode",
    "MessageSpec",
    "ValidationContext",
    "ValidationFailure",
    "ValidationMessage",
    "raise_for_failures",
    "terminology_code_checker",
    "validate_provide_and_register",
    "validate_query_request",
    "validate_query_response",
    "validate_retrieve_request",
    "validate_update_document_set",
]
