"""The CDA header as values: patient, authors, custodian, encounter... (model, not wire).

These frozen dataclasses say *what* a CI-SIS document header carries (CI-SIS
"Structuration minimale des documents de santé"); :mod:`esante.cda.build` writes them
as CDA R2 XML and :mod:`esante.cda.read` reads them back. They take plain values —
codes come with their labels — so this module depends on no terminology.

INS identity (Référentiel national d'identitovigilance, CI-SIS rules on ``recordTarget``):
the INS is the first ``patientRole/id`` (matricule + OID); the birth family name is
written with ``qualifier="BR"``, the list of birth given names without qualifier, the
first birth given name with ``qualifier="BR"``; the used family and given names
(``nom utilisé``, ``prénom utilisé``) with ``qualifier="CL"``. The StrucMin schematron
only allows ``BR`` and ``CL`` on these names.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from esante.cda import vocabulary as v


@dataclass(frozen=True)
class Code:
    """A coded value (HL7 CD/CE): code, code system OID, French label, code system name."""

    code: str
    code_system: str
    display: str | None = None
    code_system_name: str | None = None
    translations: tuple[Code, ...] = ()


@dataclass(frozen=True)
class InstanceId:
    """An HL7 instance identifier (II): OID ``root`` and optional ``extension``."""

    root: str
    extension: str | None = None

    def __str__(self) -> str:
        return f"{self.root}^{self.extension}" if self.extension else self.root


@dataclass(frozen=True)
class Address:
    """A postal address in elementary parts (the CI-SIS forbids ``streetAddressLine`` in CSE)."""

    street_name: str | None = None
    house_number: str | None = None
    unit_id: str | None = None
    postal_code: str | None = None
    city: str | None = None
    country: str | None = None
    use: str | None = None
    """HL7 AddressUse: ``H`` home, ``WP`` work place..."""


@dataclass(frozen=True)
class Telecom:
    """A telecom address as a URI (``tel:0102030405``, ``mailto:...``) with its HL7 use."""

    value: str
    use: str | None = None


@dataclass(frozen=True)
class PersonName:
    """A professional's or relative's name; ``prefix`` from JDV_J245 (``M``, ``MME``),
    ``suffix`` from JDV_J246 (``DR``, ``PR``)."""

    family: str
    given: str | None = None
    prefix: str | None = None
    suffix: str | None = None

    @property
    def display(self) -> str:
        """As printed: ``Dr Sophie LEFÈVRE``."""
        title = {"DR": "Dr", "PR": "Pr", "M": "M.", "MME": "Mme"}.get(
            (self.suffix or self.prefix or "").upper(), ""
        )
        return " ".join(p for p in (title, self.given or "", self.family.upper()) if p)


@dataclass(frozen=True)
class Organization:
    """A care structure: national id (``1``+FINESS / ``3``+SIRET under the idNat_Struct OID)."""

    id: InstanceId
    name: str
    address: Address | None = None
    telecoms: tuple[Telecom, ...] = ()
    practice_setting: Code | None = None
    """Cadre d'exercice (JDV_J04, ``standardIndustryClassCode``), e.g. AMBULATOIRE."""


@dataclass(frozen=True)
class HealthProfessional:
    """A health professional: ``id`` is the idNat_PS (``8`` + RPPS) under 1.2.250.1.71.4.2.1.

    ``specialty`` is the profession/specialty code (``G15_10/SM54``, code system
    1.2.250.1.213.1.1.4.5, built from TRE_G15 profession and TRE_R38 specialty).
    """

    id: InstanceId
    name: PersonName
    specialty: Code | None = None
    organization: Organization | None = None
    address: Address | None = None
    telecoms: tuple[Telecom, ...] = ()


@dataclass(frozen=True)
class Guardian:
    """A legal representative of the patient (``patient/guardian``), e.g. a minor's parent.

    The StrucMin schematron allows no ``code`` on ``guardian``: the relationship (mother,
    father) is carried by the header ``informant`` instead (:class:`Informant`).
    """

    name: PersonName
    address: Address | None = None
    telecoms: tuple[Telecom, ...] = ()


@dataclass(frozen=True)
class Patient:
    """The patient (``recordTarget``) with INS identity traits.

    ``ins_matricule``/``ins_oid`` are the INS (written only when ``ins_qualified`` — the
    INS is shared only for a qualified identity); ``local_ids`` are other identifiers
    (IPP...). ``birth_given_names`` is the full list of birth given names, space
    separated, and must start with ``first_given_name``. ``sex`` is M, F or U.
    """

    birth_family_name: str
    birth_given_names: str
    first_given_name: str
    sex: str
    birth_date: date
    ins_matricule: str | None = None
    ins_oid: str | None = None
    ins_qualified: bool = True
    used_family_name: str | None = None
    used_given_name: str | None = None
    birthplace_cog: str | None = None
    birthplace_city: str | None = None
    local_ids: tuple[InstanceId, ...] = ()
    address: Address | None = None
    telecoms: tuple[Telecom, ...] = ()
    guardians: tuple[Guardian, ...] = ()

    @property
    def display_name(self) -> str:
        """Used (else birth) family name in capitals, then the used (else first) given name."""
        family = (self.used_family_name or self.birth_family_name).upper()
        return f"{family} {self.used_given_name or self.first_given_name}"

    @property
    def shares_ins(self) -> bool:
        """True when the document carries the INS (qualified identity with matricule + OID)."""
        return bool(self.ins_qualified and self.ins_matricule and self.ins_oid)


@dataclass(frozen=True)
class Author:
    """An author of the document and when they authored it (``author/time``)."""

    professional: HealthProfessional
    time: datetime
    function: Code | None = None
    """Role of the author, e.g. ``PCP`` médecin traitant (HL7 ParticipationFunction)."""


@dataclass(frozen=True)
class Participant:
    """A header ``participant``, e.g. the médecin traitant (typeCode INF, function PCP)."""

    professional: HealthProfessional
    type_code: str = "INF"
    function: Code | None = None
    start: date | datetime | None = None


@dataclass(frozen=True)
class Informant:
    """A relative who informed the document (``informant/relatedEntity``), e.g. the mother."""

    name: PersonName
    relationship: Code
    class_code: str = "CON"
    """HL7 RoleClass: ``CON`` contact, ``ECON`` emergency contact, ``NOK`` next of kin."""
    address: Address | None = None
    telecoms: tuple[Telecom, ...] = ()


@dataclass(frozen=True)
class ServiceEvent:
    """The act the document documents (``documentationOf/serviceEvent``)."""

    code: Code
    start: datetime
    performer: HealthProfessional
    end: datetime | None = None


@dataclass(frozen=True)
class Encounter:
    """The care context (``componentOf/encompassingEncounter``) and where it happened.

    ``code`` is the encounter kind (``AMB`` ambulatoire, ``EXTERNE``...); ``facility_type``
    the healthcareFacilityTypeCode (JDV_J02, e.g. ``SA07`` cabinet individuel).
    """

    code: Code
    start: datetime
    facility_type: Code
    facility_id: InstanceId | None = None
    facility_name: str | None = None
    end: datetime | None = None
    responsible: HealthProfessional | None = None


CONFIDENTIALITY_NORMAL = Code("N", v.HL7_CONFIDENTIALITY, "Normal", "Confidentiality")


@dataclass(frozen=True)
class DocumentHeader:
    """Everything a CI-SIS header says, whatever the body.

    ``effective_time`` must be time-zone aware (written in Europe/Paris, ``+0100`` or
    ``+0200``). ``set_id``/``version``/``replaces`` chain the versions of a document: a new
    version keeps the ``set_id``, increments ``version`` and names the uniqueId of the
    version it replaces (``relatedDocument typeCode="RPLC"``). The document's own uniqueId
    is given at build time (a fresh one for every build).
    """

    type_code: Code
    title: str
    effective_time: datetime
    patient: Patient
    authors: tuple[Author, ...]
    custodian: Organization
    legal_authenticator: HealthProfessional
    service_event: ServiceEvent
    encounter: Encounter
    confidentiality: Code = CONFIDENTIALITY_NORMAL
    participants: tuple[Participant, ...] = ()
    informants: tuple[Informant, ...] = ()
    set_id: InstanceId | None = None
    version: int = 1
    replaces: InstanceId | None = None
    legal_authentication_time: datetime | None = None
