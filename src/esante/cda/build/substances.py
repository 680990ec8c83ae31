"""Medication and immunization entries (IHE PCC ``substanceAdministration``), CI-SIS flavour.

- FR-Traitement (``1.2.250.1.213.1.1.3.42``, normal dosing ``1.3.6.1.4.1.19376.1.5.3.1.4.7.1``):
  product coded by CIS with the CIP as translation (FR-Produit-de-sante,
  ``1.2.250.1.213.1.1.3.43``), period of treatment, rhythm (PIVL_TS), route (EDQM),
  dose per intake, reason (FR-Reference-interne, ``1.2.250.1.213.1.1.3.36``);
- FR-Vaccination (``1.2.250.1.213.1.1.3.45``): vaccine coded by CIS with ATC and CIP
  translations, lot number, expiry date (``pharm:expirationTime``, IHE Pharmacy
  extension), route, injection site, performer, rank of the dose (FR-Rang-vaccination,
  ``1.2.250.1.213.1.1.3.82``).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from esante.cda import vocabulary as v
from esante.cda.build._xml import (
    Element,
    add_code,
    add_id,
    add_person_name,
    add_text_reference,
    new_uuid,
    set_xsi_type,
    sub,
    ts,
)
from esante.cda.clinical import Immunization, Medication, Quantity
from esante.cda.model import Code, HealthProfessional

MEDICATION_TEMPLATES = (
    "2.16.840.1.113883.10.20.1.24",
    "1.3.6.1.4.1.19376.1.5.3.1.4.7",
    "1.2.250.1.213.1.1.3.42",
    "1.3.6.1.4.1.19376.1.5.3.1.4.7.1",
)
IMMUNIZATION_TEMPLATES = (
    "2.16.840.1.113883.10.20.1.24",
    "1.3.6.1.4.1.19376.1.5.3.1.4.12",
    "1.2.250.1.213.1.1.3.45",
)
PRODUCT_TEMPLATES = (
    "2.16.840.1.113883.10.20.1.53",
    "1.3.6.1.4.1.19376.1.5.3.1.4.7.2",
    "1.2.250.1.213.1.1.3.43",
)
REASON_TEMPLATES = ("1.3.6.1.4.1.19376.1.5.3.1.4.4.1", "1.2.250.1.213.1.1.3.36")
RANK_TEMPLATES = ("2.16.840.1.113883.10.20.1.46", "1.2.250.1.213.1.1.3.82")
DRUG = Code("DRUG", v.HL7_ACT_CODE, "Médicament", "HL7:ActCode")
INITIAL_IMMUNIZATION = Code(
    "INITIMMUNIZ",
    v.HL7_ACT_CODE,
    "1ère série vaccinante",
    "ActSubstanceAdministrationImmunizationCode",
)
BOOSTER = Code("BOOSTER", v.HL7_ACT_CODE, "Rappel", "ActSubstanceAdministrationImmunizationCode")
DOSE_RANK = Code("30973-2", v.LOINC, "Rang de la vaccination", "LOINC")
NO_PRODUCT = Code("NA", "", "Aucun traitement")
"""Product of a Medication saying there is no treatment (written ``nullFlavor="NA"``)."""


def _number(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _quantity(parent: Element, tag: str, quantity: Quantity) -> Element:
    return sub(parent, tag, value=_number(quantity.value), unit=quantity.unit)


def _product(parent: Element, product: Code, anchor: str | None) -> Element:
    manufactured = sub(sub(parent, "consumable", typeCode="CSM"), "manufacturedProduct")
    for root in PRODUCT_TEMPLATES:
        sub(manufactured, "templateId", root=root)
    material = sub(manufactured, "manufacturedMaterial")
    if product.code_system == NO_PRODUCT.code_system:
        # no product at all ("aucun traitement"): IHE PCC's way, a code without value
        code = sub(material, "code", nullFlavor="NA")
        if anchor:
            sub(sub(code, "originalText"), "reference", value=f"#{anchor}")
    elif product.code_system == v.ATC:
        # identified by its ATC class only: no code of its own, the class as translation
        code = sub(material, "code")
        if anchor:
            sub(sub(code, "originalText"), "reference", value=f"#{anchor}")
        add_code(
            code, Code(product.code, product.code_system, product.display, "ATC"), "translation"
        )
        for translation in product.translations:
            add_code(code, translation, "translation")
    else:
        add_code(material, product, reference=anchor)
    sub(material, "name", product.display or product.code)
    return material


def medication_entry(section: Element, medication: Medication, anchor: str | None) -> Element:
    """A FR-Traitement entry."""
    sbadm = sub(sub(section, "entry"), "substanceAdministration", classCode="SBADM", moodCode="EVN")
    for root in MEDICATION_TEMPLATES:
        sub(sbadm, "templateId", root=root)
    sub(sbadm, "id", root=new_uuid())
    add_code(sbadm, DRUG)
    add_text_reference(sbadm, anchor)
    sub(sbadm, "statusCode", code="completed")
    period = set_xsi_type(sub(sbadm, "effectiveTime"), "IVL_TS")
    if medication.start is not None:
        sub(period, "low", value=ts(medication.start))
    else:
        sub(period, "low", nullFlavor="UNK")
    if medication.end is not None:
        sub(period, "high", value=ts(medication.end))
    else:
        sub(period, "high", nullFlavor="UNK")
    if medication.period is not None:
        rhythm = set_xsi_type(sub(sbadm, "effectiveTime", operator="A"), "PIVL_TS")
        _quantity(rhythm, "period", medication.period)
    if medication.route is not None:
        add_code(sbadm, medication.route, "routeCode")
    if medication.dose is not None:
        dose = sub(sbadm, "doseQuantity")
        _quantity(dose, "low", medication.dose)
        _quantity(dose, "high", medication.dose)
    _product(sbadm, medication.product, anchor)
    if medication.reason is not None:
        relationship = sub(sbadm, "entryRelationship", typeCode="RSON")
        act = sub(relationship, "act", classCode="ACT", moodCode="EVN")
        for root in REASON_TEMPLATES:
            sub(act, "templateId", root=root)
        sub(act, "id", root=new_uuid())
        add_code(act, medication.reason)
    return sbadm


def _participation(
    parent: Element, professional: HealthProfessional, *, time: date | None = None
) -> None:
    """``performer`` (no time) or ``author`` (with ``time``) of an immunization."""
    if time is None:
        outer = sub(parent, "performer", typeCode="PRF")
        entity = sub(outer, "assignedEntity", classCode="ASSIGNED")
    else:
        outer = sub(parent, "author", typeCode="AUT", contextControlCode="OP")
        sub(outer, "time", value=ts(time))
        entity = sub(outer, "assignedAuthor", classCode="ASSIGNED")
    add_id(entity, professional.id)
    if professional.specialty is not None:
        add_code(entity, professional.specialty)
    add_person_name(sub(entity, "assignedPerson"), professional.name)
    if professional.organization is not None:
        organization = sub(entity, "representedOrganization")
        add_id(organization, professional.organization.id)
        sub(organization, "name", professional.organization.name)
        setting = professional.organization.practice_setting
        if setting is not None:
            add_code(organization, setting, "standardIndustryClassCode")


def immunization_entry(section: Element, immunization: Immunization, anchor: str | None) -> Element:
    """A FR-Vaccination entry."""
    sbadm = sub(
        sub(section, "entry"),
        "substanceAdministration",
        classCode="SBADM",
        moodCode="EVN",
        negationInd="false" if immunization.given else "true",
    )
    for root in IMMUNIZATION_TEMPLATES:
        sub(sbadm, "templateId", root=root)
    sub(sbadm, "id", root=new_uuid())
    booster = immunization.booster
    if booster is None:
        booster = immunization.dose_rank is not None and immunization.dose_rank > 3
    add_code(sbadm, BOOSTER if booster else INITIAL_IMMUNIZATION)
    add_text_reference(sbadm, anchor)
    sub(sbadm, "statusCode", code="completed")
    sub(sbadm, "effectiveTime", value=ts(immunization.date))
    if immunization.route is not None:
        add_code(sbadm, immunization.route, "routeCode")
    if immunization.site is not None:
        add_code(sbadm, immunization.site, "approachSiteCode")
    material = _product(sbadm, immunization.vaccine, anchor)
    if immunization.lot:
        sub(material, "lotNumberText", immunization.lot)
    if immunization.expiry is not None:
        expiry = material.makeelement(
            f"{{{v.PHARM_NS}}}expirationTime", nsmap={"pharm": v.PHARM_NS}
        )
        expiry.set("value", ts(immunization.expiry))
        material.append(expiry)
    if immunization.performer is not None:
        _participation(sbadm, immunization.performer)
        _participation(sbadm, immunization.performer, time=immunization.date)
    if immunization.dose_rank is not None:
        relationship = sub(sbadm, "entryRelationship", typeCode="SUBJ")
        obs = sub(relationship, "observation", classCode="OBS", moodCode="EVN")
        for root in RANK_TEMPLATES:
            sub(obs, "templateId", root=root)
        add_code(obs, DOSE_RANK)
        sub(obs, "statusCode", code="completed")
        set_xsi_type(sub(obs, "value", value=str(immunization.dose_rank)), "INT")
    return sbadm
