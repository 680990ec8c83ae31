"""Official examples broken on purpose: the kit's assertions that must fail, fail.

Each case derives a document in memory from an official example of the kit, then checks
which *new* findings (not present on the untouched example) esante reports.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from lxml import etree

from esante.cda.validate import Finding, Validator

pytestmark = pytest.mark.kit

H = "{urn:hl7-org:v3}"
Read = Callable[[str], bytes]


def new_findings(validator: Validator, original: bytes, broken: etree._Element) -> list[Finding]:
    before = {(f.schematron, f.rule, f.message) for f in validator.validate(original).findings}
    report = validator.validate(etree.tostring(broken))
    return [f for f in report.findings if (f.schematron, f.rule, f.message) not in before]


def source(name: str) -> str:
    return name.rsplit("/", 1)[-1]


def test_without_ins_identifier(kit_validator: Validator, example: Read) -> None:
    original = example("CSE-CS24_2025.01.xml")
    doc = etree.fromstring(original)
    role = doc.find(f"{H}recordTarget/{H}patientRole")
    assert role is not None
    ins = [i for i in role.findall(f"{H}id") if i.get("root", "").startswith("1.2.250.1.213.1.4.")]
    assert ins
    assert len(ins) == len(role.findall(f"{H}id"))
    for el in ins:
        role.remove(el)
    report = kit_validator.validate(etree.tostring(doc))
    assert not report.ok
    assert report.xsd_errors  # patientRole/id is required by the CDA schema too
    added = new_findings(kit_validator, original, doc)
    assert [(source(f.schematron), f.location) for f in added] == [
        ("ASIP-STRUCT-MIN-StrucMin.sch", "/ClinicalDocument/recordTarget/patientRole")
    ]
    assert "(CI-SISRecordTarget): element hl7:id[not(@nullFlavor)] is mandatory" in added[0].message


@pytest.mark.parametrize(
    ("name", "volet", "message"),
    [
        ("VSM_2023.01.xml", "CI-SIS_VSM_2023.01.sch", 'L\'élément code doit avoir @code ="SYNTH"'),
        ("VAC-NOTE_2023.01.xml", "CI-SIS_VAC-NOTE_2023.01.sch", '@code="87273-9"'),
        ("CSE-CS24_2025.01.xml", "CI-SIS_CSE-CS24_2025.01.sch", '@code ="CERT_DECL"'),
    ],
)
def test_wrong_document_code(
    kit_validator: Validator, example: Read, name: str, volet: str, message: str
) -> None:
    original = example(name)
    doc = etree.fromstring(original)
    code = doc.find(f"{H}code")
    assert code is not None
    code.set("code", "11488-4")
    added = new_findings(kit_validator, original, doc)
    assert [source(f.schematron) for f in added] == [volet]
    assert message in added[0].message
    assert added[0].location == "/ClinicalDocument"


def test_templateid_of_another_model(kit_validator: Validator, example: Read) -> None:
    original = example("VAC-NOTE_2023.01.xml")
    doc = etree.fromstring(original)
    volet = doc.find(f"{H}templateId[@root='1.2.250.1.213.1.1.1.46']")
    assert volet is not None
    volet.set("root", "1.2.250.1.213.1.1.1.13")  # declares a VSM 2023.01
    report = kit_validator.validate(etree.tostring(doc))
    assert report.volets == ("CI-SIS_VSM_2023.01.sch",)
    added = new_findings(kit_validator, original, doc)
    assert {source(f.schematron) for f in added} == {"CI-SIS_VSM_2023.01.sch"}
    texts = " ".join(f.message for f in added)
    assert '@code ="SYNTH"' in texts
    assert 'La section "Résultats" (1.3.6.1.4.1.19376.1.5.3.1.3.27) doit être présente' in texts


def test_without_the_ci_sis_templateid(kit_validator: Validator, example: Read) -> None:
    original = example("VAC-NOTE_2023.01.xml")
    doc = etree.fromstring(original)
    tid = doc.find(f"{H}templateId[@root='1.2.250.1.213.1.1.1.1']")
    assert tid is not None
    doc.remove(tid)
    added = new_findings(kit_validator, original, doc)
    assert [source(f.schematron) for f in added] == ["ASIP-STRUCT-MIN-StrucMin.sch"]
    assert "hl7:templateId[@root='1.2.250.1.213.1.1.1.1'] is required" in added[0].message


def test_unknown_model_version_is_noticed(kit_validator: Validator, example: Read) -> None:
    doc = etree.fromstring(example("VAC-NOTE_2023.01.xml"))
    volet = doc.find(f"{H}templateId[@root='1.2.250.1.213.1.1.1.46']")
    assert volet is not None
    volet.set("extension", "1999.01")
    report = kit_validator.validate(etree.tostring(doc))
    assert report.volets == ()
    assert "1.2.250.1.213.1.1.1.46@1999.01" in report.notices[0]


@pytest.mark.parametrize(
    ("value", "xsd"),
    [("20231345", False), ("hier", True)],
)
def test_bad_effective_time(kit_validator: Validator, example: Read, value: str, xsd: bool) -> None:
    original = example("VAC-NOTE_2023.01.xml")
    doc = etree.fromstring(original)
    time = doc.find(f"{H}effectiveTime")
    assert time is not None
    time.set("value", value)
    report = kit_validator.validate(etree.tostring(doc))
    assert not report.ok
    assert bool(report.xsd_errors) is xsd
    added = new_findings(kit_validator, original, doc)
    assert {(source(f.schematron), f.location) for f in added} == {
        ("ASIP-STRUCT-MIN-StrucMin.sch", "/ClinicalDocument/effectiveTime")
    }
    assert f'effectiveTime "{value}" is not a valid timestamp' in added[0].message


def test_author_specialty(kit_validator: Validator, example: Read) -> None:
    original = example("VAC-NOTE_2023.01.xml")
    # a specialty outside JDV_J01_XdsAuthorSpecialty_CISIS is refused by two schematrons
    doc = etree.fromstring(original)
    for code in doc.findall(f"{H}author/{H}assignedAuthor/{H}code"):
        code.set("code", "ZZZ")
    added = new_findings(kit_validator, original, doc)
    assert {source(f.schematron) for f in added} == {
        "ASIP-STRUCT-MIN-StrucMin.sch",
        "CI-SIS_ModelesDeContenusCDA.sch",
    }
    assert all(f.location == "/ClinicalDocument/author/assignedAuthor/code" for f in added)
    # removed altogether, it is *not* flagged: the kit's minimal-structure profile only
    # bounds assignedAuthor/code to at most one (rule d4313e105), esante reports what the
    # kit says — the document builders must enforce the specialty themselves.
    doc = etree.fromstring(original)
    for code in doc.findall(f"{H}author/{H}assignedAuthor/{H}code"):
        code.getparent().remove(code)
    assert new_findings(kit_validator, original, doc) == []


def test_missing_author_specialty_fails_the_dmp_checks(
    kit_validator: Validator, example: Read
) -> None:
    # What the kit lets through, esante's DMP-feeding checks refuse (dmp=True).
    original = example("VAC-NOTE_2023.01.xml")
    doc = etree.fromstring(original)
    for code in doc.findall(f"{H}author/{H}assignedAuthor/{H}code"):
        code.getparent().remove(code)
    report = kit_validator.validate(etree.tostring(doc), dmp=True)
    esante = [f for f in report.errors if f.kind == "esante"]
    assert [f.rule for f in esante] == ["ESANTE-DMP-SPECIALITE"]
    assert esante[0].schematron == "esante:DMP"
    assert esante[0].location == "/ClinicalDocument/author[1]/assignedAuthor"
    assert "spécialité" in esante[0].message
    assert not report.ok
    # without dmp=True the verdict stays the kit's
    assert all(f.kind != "esante" for f in kit_validator.validate(etree.tostring(doc)).findings)


def test_ins_with_a_wrong_key_fails_the_dmp_checks(kit_validator: Validator, example: Read) -> None:
    original = example("CSE-CS24_2025.01.xml")
    doc = etree.fromstring(original)
    ins = next(
        i
        for i in doc.findall(f"{H}recordTarget/{H}patientRole/{H}id")
        if i.get("root", "").startswith("1.2.250.1.213.1.4.")
    )
    ins.set("extension", "255081416802539")  # valid shape, key should be 38
    report = kit_validator.validate(etree.tostring(doc), dmp=True)
    rules = [(f.rule, f.message) for f in report.findings if f.kind == "esante"]
    assert (
        "ESANTE-DMP-INS",
        "INS du patient : Matricule INS : la clé 39 ne correspond pas aux 13 premiers "
        "caractères. Le numéro a pu être mal saisi : relisez le matricule entier sur son "
        "document source (carte Vitale, attestation de droits, retour INSi) ; ne corrigez "
        "pas la clé seule.",
    ) in rules
