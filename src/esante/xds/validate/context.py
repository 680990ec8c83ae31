"""What validators know beyond the message: code checker, registry knowledge, profiles.

:class:`ValidationContext` carries the pluggable parts of validation (the code checker,
callables answering "is this patient known?", "is this uniqueId used?", "is this
repository known?"), the required-attribute profiles (IHE minimum, CI-SIS mapping) and
the allowed DMP status transitions; :func:`raise_for_failures` turns the failures a
validator returns into :class:`~esante.xds.errors.XdsValidationError`.

A DMP-specific profile is a context with more required attributes or a stricter code
checker, not a fork of the validators.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Final

from esante.xds.errors import XdsValidationError
from esante.xds.hl7v2 import Identifier
from esante.xds.validate.checks import CodeChecker, terminology_code_checker
from esante.xds.validate.messages import ValidationFailure, ValidationMessage
from esante.xds.vocabulary import DMP_STATUS_TRANSITIONS, AvailabilityStatus, ErrorSeverity

M = ValidationMessage

#: DocumentEntry attributes IHE requires in an ITI-41 submission (ITI TF-3 Table 4.3.1-3).
IHE_SUBMITTED_ENTRY: Final = frozenset(
    {
        "uniqueId", "patientId", "sourcePatientId", "classCode", "typeCode", "formatCode",
        "healthcareFacilityTypeCode", "practiceSettingCode", "confidentialityCode",
        "creationTime", "languageCode", "mimeType",
    }
)  # fmt: skip
#: ... plus what the CI-SIS mapping marks "Requis" (author, legalAuthenticator, title,
#: serviceStartTime): the default for ITI-41 and ITI-57 entry versions.
CISIS_SUBMITTED_ENTRY: Final = IHE_SUBMITTED_ENTRY | {
    "author", "legalAuthenticator", "title", "serviceStartTime",
}  # fmt: skip
#: What a consumer needs from a query result to retrieve and update it.
QUERY_RESULT_ENTRY: Final = frozenset(
    {"uniqueId", "patientId", "repositoryUniqueId", "availabilityStatus"}
)
#: SubmissionSet attributes required in a submission (CI-SIS: author is required too).
SUBMITTED_SUBMISSION_SET: Final = frozenset(
    {"uniqueId", "sourceId", "submissionTime", "patientId", "contentTypeCode", "author"}
)


@dataclass(frozen=True)
class ValidationContext:
    """What the validators know beyond the message itself.

    ``code_checker`` validates codes (default: esante's CI-SIS value sets; ``None``
    skips code checks); ``patient_known``, ``unique_id_used`` and ``repository_known``
    give registry-side knowledge (``None``: not checked); ``entry_required`` and
    ``submission_set_required`` name the attributes submissions must carry;
    ``status_transitions`` the availability-status changes ITI-57 may ask for;
    ``tolerate_unknown_codes`` turns unknown codes into warnings (a receiver accepting
    historical codes, e.g. the official TD2.1 example's typeCode 27899-4, no longer in
    JDV_J07).
    """

    code_checker: CodeChecker | None = terminology_code_checker
    patient_known: Callable[[Identifier], bool] | None = None
    unique_id_used: Callable[[str], bool] | None = None
    repository_known: Callable[[str], bool] | None = None
    entry_required: frozenset[str] = CISIS_SUBMITTED_ENTRY
    submission_set_required: frozenset[str] = SUBMITTED_SUBMISSION_SET
    status_transitions: frozenset[tuple[AvailabilityStatus, AvailabilityStatus]] = field(
        default=DMP_STATUS_TRANSITIONS
    )
    tolerate_unknown_codes: bool = False

    def adjust(self, failures: list[ValidationFailure]) -> list[ValidationFailure]:
        """``failures`` with unknown codes downgraded when ``tolerate_unknown_codes``."""
        if not self.tolerate_unknown_codes:
            return failures
        return [
            replace(f, message=M.UNKNOWN_CODE_TOLERATED) if f.message is M.UNKNOWN_CODE else f
            for f in failures
        ]


DEFAULT_CONTEXT: Final = ValidationContext()


def raise_for_failures(failures: Sequence[ValidationFailure]) -> None:
    """Raise :class:`XdsValidationError` when any failure has severity Error."""
    errors = [f for f in failures if f.severity == ErrorSeverity.ERROR]
    if errors:
        raise XdsValidationError.from_failures(errors)
