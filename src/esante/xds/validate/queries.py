"""Validators of the consulting transactions: ITI-18 (TD3.1) and ITI-43 (TD3.2).

* ITI-18 requests (registry side, on the raw wire query): known stored query, required
  parameters, cardinalities, value syntax, patient id; responses (consumer side): what a
  consumer needs to retrieve and update the entries found.
* ITI-43 requests: repository and document unique ids.
"""

from __future__ import annotations

from collections.abc import Iterator

from esante.xds.errors import XdsFormatError
from esante.xds.hl7v2 import Identifier, is_dtm
from esante.xds.queries import ONE_OF_PARAMETERS, QUERY_PARAMETERS, AdhocQuery, ParameterKind
from esante.xds.queries import parameter_values as _parameter_values
from esante.xds.requests import RetrieveDocumentSetRequest
from esante.xds.responses import QueryResponse
from esante.xds.validate.checks import (
    check_entry_values,
    check_required_entry,
    is_oid,
    is_unique_id,
    is_uuid_urn,
)
from esante.xds.validate.context import DEFAULT_CONTEXT, QUERY_RESULT_ENTRY, ValidationContext
from esante.xds.validate.messages import ValidationFailure, ValidationMessage, failure
from esante.xds.vocabulary import Q_DE_PATIENT_ID, Q_SS_PATIENT_ID

M = ValidationMessage


# --- ITI-18 -------------------------------------------------------------------------------


def validate_query_request(
    adhoc: AdhocQuery, context: ValidationContext = DEFAULT_CONTEXT
) -> list[ValidationFailure]:
    """Every failure of an ITI-18 stored query (raw wire form)."""
    specs = QUERY_PARAMETERS.get(adhoc.query_id)
    if specs is None:
        return [failure(M.UNKNOWN_STORED_QUERY, value=adhoc.query_id)]
    name = adhoc.query_id
    found: list[ValidationFailure] = []
    for parameter, spec in specs.items():
        slots = adhoc.slots(parameter)
        if spec.required and not slots:
            found.append(failure(M.MISSING_QUERY_PARAMETER, name, attribute=parameter))
        if len(slots) > 1 and not spec.and_groups:
            found.append(
                failure(M.QUERY_PARAMETER_NUMBER, name, attribute=parameter, value=len(slots))
            )
        try:
            groups = _parameter_values(adhoc, parameter)
        except XdsFormatError:
            raw = " ".join(v for s in slots for v in s.values)
            found.append(failure(M.INVALID_QUERY_PARAMETER, name, attribute=parameter, value=raw))
            continue
        values = [v for g in groups for v in g]
        single = spec.kind in (ParameterKind.STRING, ParameterKind.TIME)
        if single and len(values) > 1 and len(slots) <= 1:
            found.append(
                failure(M.QUERY_PARAMETER_NUMBER, name, attribute=parameter, value=len(values))
            )
        for value in values:
            if spec.kind == ParameterKind.TIME and not is_dtm(value):
                found.append(
                    failure(M.INVALID_QUERY_PARAMETER, name, attribute=parameter, value=value)
                )
    one_of = ONE_OF_PARAMETERS.get(adhoc.query_id)
    if one_of is not None and sum(bool(adhoc.slots(p)) for p in one_of) != 1:
        found.append(failure(M.MISSING_QUERY_PARAMETER, name, attribute=" | ".join(one_of)))
    found += _query_patient(adhoc, context)
    return found


def _query_patient(adhoc: AdhocQuery, context: ValidationContext) -> Iterator[ValidationFailure]:
    for parameter in (Q_DE_PATIENT_ID, Q_SS_PATIENT_ID):
        try:
            values = [v for g in _parameter_values(adhoc, parameter) for v in g]
        except XdsFormatError:
            continue
        for value in values[:1]:
            try:
                patient = Identifier.parse(value)
            except XdsFormatError:
                patient = None
            if patient is None or not patient.id or not is_oid(patient.assigning_authority):
                yield failure(
                    M.INVALID_PATIENT_ID, adhoc.query_id, attribute=parameter, value=value
                )
            elif context.patient_known is not None and not context.patient_known(patient):
                yield failure(M.UNKNOWN_PATIENT, adhoc.query_id, value=value)


def validate_query_response(response: QueryResponse) -> list[ValidationFailure]:
    """Failures of an ITI-18 response that would stop a consumer retrieving or updating."""
    found: list[ValidationFailure] = []
    for entry in response.document_entries:
        where = f"DocumentEntry[{entry.entry_uuid}]"
        if not is_uuid_urn(entry.entry_uuid):
            found.append(
                failure(M.INVALID_ENTRY_UUID, where, attribute="entryUUID", value=entry.entry_uuid)
            )
        found += check_required_entry(entry, QUERY_RESULT_ENTRY, where)
        found += check_entry_values(entry, where, None)
    for reference in response.references:
        if not is_uuid_urn(reference):
            found.append(
                failure(
                    M.INVALID_ENTRY_UUID, f"ObjectRef[{reference}]", attribute="id", value=reference
                )
            )
    return found


# --- ITI-43 -------------------------------------------------------------------------------


def validate_retrieve_request(
    request: RetrieveDocumentSetRequest, context: ValidationContext = DEFAULT_CONTEXT
) -> list[ValidationFailure]:
    """Every failure of an ITI-43 Retrieve Document Set request."""
    if not request.documents:
        return [failure(M.MISSING_DOCUMENT_REQUEST, "RetrieveDocumentSetRequest", value="")]
    found: list[ValidationFailure] = []
    for index, document in enumerate(request.documents):
        where = f"DocumentRequest[{index}]"
        repository = document.repository_unique_id
        if not is_oid(repository) or (
            context.repository_known is not None and not context.repository_known(repository)
        ):
            found.append(failure(M.UNKNOWN_REPOSITORY, where, value=repository))
        if not is_unique_id(document.document_unique_id):
            found.append(
                failure(M.MISSING_DOCUMENT_REQUEST, where, value=document.document_unique_id)
            )
    return found
