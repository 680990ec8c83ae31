"""The demo dataset: fictitious structures, practitioners and patients as frozen dataclasses.

The records are plain values (no database, no I/O) so that every layer can use them: the
practice loader stores them, the sandbox can answer INSi queries for the same people,
document examples (``esante cda example --patient lola``) name them by their short key.

Codes follow the value sets the CDA and XDS metadata use:

- structures: ``facility_type_code`` in TRE_R02 (JDV_J02 healthcareFacilityTypeCode),
  ``practice_setting_code`` in JDV_J04 practiceSettingCode (``AMBULATOIRE``, code system
  1.2.250.1.213.1.1.4.9);
  ``id_nat_struct`` is ``1`` + FINESS or ``3`` + SIRET;
- practitioners: ``profession_code`` in TRE_G15 (``10`` médecin, ``21`` pharmacien,
  ``50`` sage-femme, ``60`` infirmier, ``70`` masseur-kinésithérapeute), ``specialty_code``
  in TRE_R38 (``SM54`` médecine générale, ``SM40`` pédiatrie, ``SM04`` cardiologie);
  ``id_nat_ps`` is ``8`` + RPPS;
- patients: the INS is a NIR under the *test* OID (``1.2.250.1.213.1.4.10``): these people
  do not exist. Legal representatives carry an HL7 RoleCode (``MTH`` mère, ``FTH`` père,
  JDV_J11 RelationPatient).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from esante.demo.errors import DemoError

NIR_TEST_OID = "1.2.250.1.213.1.4.10"
"""INS OID of test NIRs: every demo INS uses it, so no demo record can pass for a real one."""

STATUSES_WITH_INS = ("RECUP", "QUAL")
"""Identity statuses under which the INS has been retrieved from INSi and may be recorded."""


@dataclass(frozen=True)
class DemoStructure:
    """A care structure: cabinet de groupe, maison de santé, centre de santé, officine."""

    key: str
    name: str
    facility_type_code: str
    practice_setting_code: str
    address_line: str
    postal_code: str
    city: str
    phone: str
    mssante_address: str
    finess: str | None = None
    siret: str | None = None

    @property
    def id_nat_struct(self) -> str:
        """National structure identifier: ``1`` + FINESS, else ``3`` + SIRET."""
        if self.finess:
            return "1" + self.finess
        if self.siret:
            return "3" + self.siret
        raise DemoError(
            "Structure de démonstration sans identifiant.",
            detail=f"structure {self.key!r} has neither FINESS nor SIRET",
        )


@dataclass(frozen=True)
class DemoPractitioner:
    """A health professional working in one of the demo structures."""

    key: str
    rpps: str
    civility: str
    family_name: str
    given_name: str
    sex: str
    profession_code: str
    specialty_code: str | None
    structure_key: str
    mssante_address: str
    phone: str
    label: str
    """French description of the role in the demo, e.g. "médecin généraliste"."""

    @property
    def id_nat_ps(self) -> str:
        """National professional identifier (``8`` + RPPS)."""
        return "8" + self.rpps

    @property
    def display_name(self) -> str:
        """Name as printed on a document header, e.g. ``Dr Sophie LEFÈVRE``."""
        prefix = {"DR": "Dr", "M": "M.", "MME": "Mme"}.get(self.civility, "")
        return f"{prefix} {self.given_name} {self.family_name.upper()}".strip()


@dataclass(frozen=True)
class DemoRepresentative:
    """A legal representative of a minor patient (mère, père)."""

    relationship_code: str
    family_name: str
    given_name: str
    sex: str
    phone: str
    email: str
    patient_key: str | None = None
    """Key of the demo patient who is this representative, when they are one."""


@dataclass(frozen=True)
class DemoPatient:
    """A fictitious patient with INS identity traits coherent with the NIR.

    ``nir`` is the person's NIR (13 characters + 2-digit key) whatever the identity
    status, because it is who the person *is* (an INSi sandbox answers with it); the
    practice records it only once retrieved from INSi, see :attr:`recorded_ins`.
    """

    key: str
    local_id: str
    sex: str
    birth_family_name: str
    birth_given_names: str
    birth_date: date
    birthplace_cog: str
    birthplace_label: str
    nir: str
    identity_status: str
    address_line: str
    postal_code: str
    city: str
    phone: str
    email: str | None
    medecin_traitant_key: str | None
    age_label: str
    """French age at the dataset's reference date, e.g. ``13 mois``."""
    used_family_name: str | None = None
    used_given_name: str | None = None
    identity_validation_mode: str | None = None
    """Identity document checked (``CN``, ``PA``, ``LE``...) for VALI and QUAL identities."""
    guardian_document: str | None = None
    """Parent's document shown with a minor's family record book or birth certificate."""
    legal_representatives: tuple[DemoRepresentative, ...] = ()
    story: str = ""
    """What this person is in the demo for (French), shown by the demo listing."""
    ins_oid: str = NIR_TEST_OID

    @property
    def first_given_name(self) -> str:
        """First of the birth given names (a compound name such as Jean-Pierre stays whole)."""
        return self.birth_given_names.split(" ")[0]

    @property
    def recorded_ins(self) -> str | None:
        """The matricule the practice holds: the NIR once retrieved (RECUP/QUAL), else None."""
        return self.nir if self.identity_status in STATUSES_WITH_INS else None

    @property
    def insi_reference(self) -> str | None:
        """Reference of the (fictitious) INSi answer the INS was retrieved with, if any."""
        return f"INSI-DEMO-{self.local_id}" if self.recorded_ins else None

    @property
    def is_minor(self) -> bool:
        """True when the patient has legal representatives (minors in the demo)."""
        return bool(self.legal_representatives)

    @property
    def display_name(self) -> str:
        """Used (or birth) family name in capitals, then the used (or first) given name."""
        family = (self.used_family_name or self.birth_family_name).upper()
        return f"{family} {self.used_given_name or self.first_given_name}"


@dataclass(frozen=True)
class DemoDataset:
    """Everything the demo needs, with lookups by short key."""

    seed: int
    reference_date: date
    structures: tuple[DemoStructure, ...]
    practitioners: tuple[DemoPractitioner, ...]
    patients: tuple[DemoPatient, ...]
    _index: dict[tuple[str, str], object] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        for kind, records in (
            ("structure", self.structures),
            ("practitioner", self.practitioners),
            ("patient", self.patients),
        ):
            for record in records:
                slot = (kind, record.key)
                if slot in self._index:
                    raise DemoError(
                        "Jeu de démonstration incohérent : clé en double.",
                        detail=f"{kind} key {record.key!r} used twice",
                    )
                self._index[slot] = record

    def _get(self, kind: str, label: str, key: str, known: list[str]) -> object:
        try:
            return self._index[(kind, key.strip().lower())]
        except KeyError:
            raise DemoError(
                f"{label} de démonstration inconnu : {key!r}.",
                detail="known keys: " + ", ".join(known),
                field="key",
            ) from None

    def patient(self, key: str) -> DemoPatient:
        """The patient with this demo key (e.g. ``lola``); raises :class:`DemoError`."""
        found = self._get("patient", "Patient", key, [p.key for p in self.patients])
        assert isinstance(found, DemoPatient)
        return found

    def practitioner(self, key: str) -> DemoPractitioner:
        """The practitioner with this demo key (e.g. ``generaliste``); raises DemoError."""
        found = self._get("practitioner", "Professionnel", key, [p.key for p in self.practitioners])
        assert isinstance(found, DemoPractitioner)
        return found

    def structure(self, key: str) -> DemoStructure:
        """The structure with this demo key (e.g. ``msp``); raises :class:`DemoError`."""
        found = self._get("structure", "Structure", key, [s.key for s in self.structures])
        assert isinstance(found, DemoStructure)
        return found

    def children(self) -> tuple[DemoPatient, ...]:
        """Minor patients (the child health record cast), youngest first."""
        minors = [p for p in self.patients if p.is_minor]
        return tuple(sorted(minors, key=lambda p: p.birth_date, reverse=True))
