"""Small single-purpose validators of XDS metadata, each yielding catalogue failures.

Like IPF's ``OIDValidator``, ``HashValidator``...: each function checks one thing
(an OID, a uniqueId, a CX, a DTM, a code, a hash against the bytes, the required
attributes of an object) and yields :class:`~esante.xds.validate.messages.ValidationFailure`
values; :mod:`esante.xds.validate.submissions` and :mod:`esante.xds.validate.queries`
combine them per transaction.

Code checks are pluggable: a :data:`CodeChecker` says whether a code is valid for an
attribute (``True``/``False``) or that it cannot tell (``None``, e.g. a value set
esante only ships in part). :func:`terminology_code_checker` answers from
:mod:`esante.terminology` (JDV_J06 classCode, J07 typeCode, J10 formatCode, J02
healthcareFacilityTypeCode, J04 practiceSettingCode, J08 confidentialityCode, J01
authorSpecialty).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from typing import Final

from esante.terminology import TerminologyError, get_value_set
from esante.xds.hl7v2 import Identifier, Person, is_dtm
from esante.xds.metadata import Author, Code, DocumentEntry, SubmissionSet
from esante.xds.validate.messages import ValidationFailure, ValidationMessage, failure
from esante.xds.vocabulary import SIGNATURE_FORMAT_CODE, SIGNATURE_TYPE_CODE

#: ``(attribute, code) -> valid?``; ``None`` when the checker cannot tell.
CodeChecker = Callable[[str, Code], bool | None]

_OID = re.compile(r"^[0-2](\.(0|[1-9]\d*))+$")
_UUID = re.compile(
    r"^(urn:uuid:)?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
)
_SHA1 = re.compile(r"^[0-9a-fA-F]{40}$")
MAX_OID = 64
MAX_VALUE = 256

M = ValidationMessage

#: Value set (esante.terminology name) checked for each coded attribute.
VALUE_SETS: Final = {
    "classCode": "J06",
    "typeCode": "J07",
    "formatCode": "J10",
    "healthcareFacilityTypeCode": "J02",
    "practiceSettingCode": "J04",
    "confidentialityCode": "J08",
    "authorSpecialty": "J01",
}


def terminology_code_checker(attribute: str, code: Code) -> bool | None:
    """Check ``code`` against the CI-SIS value set of ``attribute`` (see :data:`VALUE_SETS`).

    ``None`` for an attribute without value set, a value set esante does not ship, or
    a code missing from a value set esante ships only in part.
    """
    name = VALUE_SETS.get(attribute)
    if name is None:
        return None
    try:
        value_set = get_value_set(name)
    except TerminologyError:
        return None
    if value_set.get(code.code, code.coding_scheme or None) is not None:
        return True
    return False if value_set.complete else None


def is_oid(value: str) -> bool:
    """An ISO OID of at most 64 characters."""
    return len(value) <= MAX_OID and bool(_OID.match(value))


def is_uuid_urn(value: str) -> bool:
    """A ``urn:uuid:`` identifier (what registries assign as entryUUID)."""
    return value.startswith("urn:uuid:") and bool(_UUID.match(value))


def is_unique_id(value: str) -> bool:
    """A document/submission uniqueId: OID, ``OID^extension`` (≤ 16) or a UUID."""
    root, sep, extension = value.partition("^")
    if sep:
        return is_oid(root) and 0 < len(extension) <= 16
    return is_oid(value) or bool(_UUID.match(value))


def check_oid(value: str | None, attribute: str, location: str) -> Iterator[ValidationFailure]:
    """``value`` is an OID (when present)."""
    if value and not is_oid(value):
        yield failure(M.INVALID_OID, location, attribute=attribute, value=value)


def check_unique_id(value: str | None, location: str) -> Iterator[ValidationFailure]:
    """``value`` is a valid uniqueId (when present)."""
    if value and not is_unique_id(value):
        yield failure(M.INVALID_UNIQUE_ID, location, value=value)


def check_patient_id(
    value: Identifier | None, attribute: str, location: str
) -> Iterator[ValidationFailure]:
    """A CX with CX.1 and an OID assigning authority of type ISO."""
    if value is None:
        return
    if (
        not value.id
        or not is_oid(value.assigning_authority)
        or value.assigning_authority_type != "ISO"
    ):
        yield failure(M.INVALID_PATIENT_ID, location, attribute=attribute, value=value.to_hl7())


def check_time(value: str | None, attribute: str, location: str) -> Iterator[ValidationFailure]:
    """An XDS DTM (when present)."""
    if value and not is_dtm(value):
        yield failure(M.INVALID_TIME, location, attribute=attribute, value=value)


def check_person(
    value: Person | None, attribute: str, location: str
) -> Iterator[ValidationFailure]:
    """An XCN that names someone: an identifier (with an OID authority) or a family name."""
    if value is None:
        return
    if not (value.id or value.family_name):
        yield failure(M.INVALID_PERSON, location, attribute=attribute, value=value.to_hl7())
    if value.id and value.assigning_authority:
        yield from check_oid(value.assigning_authority, f"{attribute}.XCN.9", location)


def check_code(
    code: Code | None, attribute: str, location: str, checker: CodeChecker | None
) -> Iterator[ValidationFailure]:
    """A code with a coding scheme, known to ``checker`` when one is given."""
    if code is None:
        return
    if not code.coding_scheme:
        yield failure(M.MISSING_CODING_SCHEME, location, attribute=attribute, value=code.code)
        return
    if checker is not None and checker(attribute, code) is False:
        yield failure(
            M.UNKNOWN_CODE,
            location,
            attribute=attribute,
            value=code.code,
            scheme=code.coding_scheme,
            value_set=VALUE_SETS.get(attribute, attribute),
        )


def check_length(value: str | None, attribute: str, location: str) -> Iterator[ValidationFailure]:
    """A slot value fits in an ebRIM ``Value`` (256 characters)."""
    if value and len(value) > MAX_VALUE:
        yield failure(
            M.VALUE_TOO_LONG, location, attribute=attribute, length=len(value), limit=MAX_VALUE
        )


def check_author(
    author: Author, location: str, checker: CodeChecker | None
) -> Iterator[ValidationFailure]:
    """An author with an authorPerson, well-formed XCN/XON values and known specialties."""
    if author.person is None:
        yield failure(M.MISSING_AUTHOR_PERSON, location)
    yield from check_person(author.person, "authorPerson", location)
    yield from check_length(
        None if author.person is None else author.person.to_hl7(), "authorPerson", location
    )
    for institution in author.institutions:
        yield from check_oid(institution.assigning_authority, "authorInstitution.XON.6", location)
        yield from check_length(institution.to_hl7(), "authorInstitution", location)
    for specialty in author.specialties:
        yield from check_code(specialty, "authorSpecialty", location, checker)


# --- required attributes ------------------------------------------------------------------

_ENTRY_ATTRIBUTES: Final[dict[str, Callable[[DocumentEntry], object]]] = {
    "entryUUID": lambda e: e.entry_uuid,
    "uniqueId": lambda e: e.unique_id,
    "patientId": lambda e: e.patient_id,
    "sourcePatientId": lambda e: e.source_patient_id,
    "sourcePatientInfo": lambda e: e.source_patient_info,
    "classCode": lambda e: e.class_code,
    "typeCode": lambda e: e.type_code,
    "formatCode": lambda e: e.format_code,
    "healthcareFacilityTypeCode": lambda e: e.healthcare_facility_type_code,
    "practiceSettingCode": lambda e: e.practice_setting_code,
    "confidentialityCode": lambda e: e.confidentiality_codes,
    "author": lambda e: e.authors,
    "legalAuthenticator": lambda e: e.legal_authenticator,
    "creationTime": lambda e: e.creation_time,
    "serviceStartTime": lambda e: e.service_start_time,
    "languageCode": lambda e: e.language_code,
    "mimeType": lambda e: e.mime_type,
    "title": lambda e: e.title,
    "hash": lambda e: e.hash,
    "size": lambda e: e.size,
    "repositoryUniqueId": lambda e: e.repository_unique_id,
    "availabilityStatus": lambda e: e.availability_status,
}

_SUBMISSION_SET_ATTRIBUTES: Final[dict[str, Callable[[SubmissionSet], object]]] = {
    "entryUUID": lambda s: s.entry_uuid,
    "uniqueId": lambda s: s.unique_id,
    "sourceId": lambda s: s.source_id,
    "submissionTime": lambda s: s.submission_time,
    "patientId": lambda s: s.patient_id,
    "contentTypeCode": lambda s: s.content_type_code,
    "author": lambda s: s.authors,
    "title": lambda s: s.title,
}

#: Repository-computed attributes (XDSRepositoryMetadataError when required and missing).
_REPOSITORY_ATTRIBUTES: Final = frozenset({"hash", "size", "repositoryUniqueId"})


def _missing(value: object) -> bool:
    return value is None or value == "" or value == ()


def check_required_entry(
    entry: DocumentEntry, required: frozenset[str], location: str
) -> Iterator[ValidationFailure]:
    """Every attribute named in ``required`` is present on ``entry``."""
    for name in sorted(required):
        if _missing(_ENTRY_ATTRIBUTES[name](entry)):
            message = (
                M.MISSING_REPOSITORY_ATTRIBUTE
                if name in _REPOSITORY_ATTRIBUTES
                else M.MISSING_ATTRIBUTE
            )
            yield failure(message, location, attribute=name)


def check_required_submission_set(
    submission_set: SubmissionSet, required: frozenset[str], location: str
) -> Iterator[ValidationFailure]:
    """Every attribute named in ``required`` is present on ``submission_set``."""
    for name in sorted(required):
        if _missing(_SUBMISSION_SET_ATTRIBUTES[name](submission_set)):
            yield failure(M.MISSING_ATTRIBUTE, location, attribute=name)


# --- content checks -----------------------------------------------------------------------


def check_entry_values(
    entry: DocumentEntry, location: str, checker: CodeChecker | None
) -> Iterator[ValidationFailure]:
    """Formats and codes of a DocumentEntry's attributes (whatever is present)."""
    yield from check_unique_id(entry.unique_id, location)
    yield from check_patient_id(entry.patient_id, "patientId", location)
    yield from check_patient_id(entry.source_patient_id, "sourcePatientId", location)
    yield from check_oid(entry.repository_unique_id, "repositoryUniqueId", location)
    yield from check_oid(entry.home_community_id, "homeCommunityId", location)
    for attribute, value in (
        ("creationTime", entry.creation_time),
        ("serviceStartTime", entry.service_start_time),
        ("serviceStopTime", entry.service_stop_time),
    ):
        yield from check_time(value, attribute, location)
    start, stop = entry.service_start_time, entry.service_stop_time
    if (
        start
        and stop
        and is_dtm(start)
        and is_dtm(stop)
        and stop[: len(start)] < start[: len(stop)]
    ):
        yield failure(M.TIME_ORDER, location, value=stop, expected=start)
    yield from check_person(entry.legal_authenticator, "legalAuthenticator", location)
    legal = None if entry.legal_authenticator is None else entry.legal_authenticator.to_hl7()
    yield from check_length(legal, "legalAuthenticator", location)
    if entry.source_patient_info is not None:
        for line in entry.source_patient_info.to_values():
            yield from check_length(line, "sourcePatientInfo", location)
    if entry.hash is not None and not _SHA1.match(entry.hash):
        yield failure(M.INVALID_HASH, location, value=entry.hash)
    for author in entry.authors:
        yield from check_author(author, location, checker)
    if entry.is_signature:
        yield from _check_signature_codes(entry, location)
        checker = None
    for attribute, code in (
        ("classCode", entry.class_code),
        ("typeCode", entry.type_code),
        ("formatCode", entry.format_code),
        ("healthcareFacilityTypeCode", entry.healthcare_facility_type_code),
        ("practiceSettingCode", entry.practice_setting_code),
        *(("confidentialityCode", c) for c in entry.confidentiality_codes),
        *(("eventCodeList", c) for c in entry.event_codes),
    ):
        yield from check_code(code, attribute, location, checker)


def _check_signature_codes(entry: DocumentEntry, location: str) -> Iterator[ValidationFailure]:
    for attribute, code, expected in (
        ("typeCode", entry.type_code, SIGNATURE_TYPE_CODE),
        ("formatCode", entry.format_code, SIGNATURE_FORMAT_CODE),
    ):
        if code is not None and code.code != expected:
            yield failure(
                M.UNKNOWN_CODE,
                location,
                attribute=attribute,
                value=code.code,
                scheme=code.coding_scheme,
                value_set="IHE DSG",
            )


def check_submission_set_values(
    submission_set: SubmissionSet, location: str, checker: CodeChecker | None
) -> Iterator[ValidationFailure]:
    """Formats and codes of a SubmissionSet's attributes (whatever is present)."""
    yield from check_unique_id(submission_set.unique_id, location)
    yield from check_oid(submission_set.source_id, "sourceId", location)
    yield from check_patient_id(submission_set.patient_id, "patientId", location)
    yield from check_time(submission_set.submission_time, "submissionTime", location)
    for author in submission_set.authors:
        yield from check_author(author, location, checker)
    yield from check_code(submission_set.content_type_code, "contentTypeCode", location, checker)


def check_content(entry: DocumentEntry, data: bytes, location: str) -> Iterator[ValidationFailure]:
    """Declared hash and size (when present) match the document bytes."""
    if entry.hash is not None and _SHA1.match(entry.hash):
        actual = hashlib.sha1(data).hexdigest()  # noqa: S324 - XDS hash is SHA-1 by definition
        if entry.hash.lower() != actual:
            yield failure(M.HASH_MISMATCH, location, value=entry.hash, expected=actual)
    if entry.size is not None and entry.size != len(data):
        yield failure(M.SIZE_MISMATCH, location, value=entry.size, expected=len(data))
