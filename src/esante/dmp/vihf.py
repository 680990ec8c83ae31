"""The VIHF of each DMP call: who acts, for which patient, how — built and signed.

:func:`vihf_for` turns the call context (:class:`~esante.dmp.context.Actor`,
:class:`~esante.dmp.context.Access`, :class:`~esante.dmp.context.LpsInfo`, the patient's
INS) into the attributes of a :class:`esante.trust.Vihf`; a :class:`VihfIssuer` turns
those into the signed SAML assertion that goes into ``wsse:Security``. The default issuer,
:class:`SigningVihfIssuer`, signs with the structure's signature certificate (indirect
authentication); a card-based (DIRECTE) issuer can be plugged in through the protocol.

Break-glass justification: the VIHF 3.0 attributes esante's trust layer writes have no
slot for it, so the issuer adds a ``Mode_Acces_Raison`` attribute (the VIHF name of the
access-mode justification) to the assertion before signing it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Final, Protocol

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from lxml import etree

from esante.dmp.context import Access, Actor, LpsInfo
from esante.identity import Ins
from esante.trust import (
    PatientId,
    Pki,
    Vihf,
    build_vihf,
    load_certificate,
    load_private_key,
    sign_vihf,
)
from esante.trust.vocabulary import AUTHN_SMARTCARD, SAML_NS, XS_NS, XSI_NS, AuthenticationMode

ACCESS_REASON_ATTRIBUTE: Final = "Mode_Acces_Raison"
"""VIHF attribute carrying the justification of a ``bris_de_glace`` access."""
DEFAULT_LIFETIME: Final = timedelta(minutes=30)


@dataclass(frozen=True)
class Signer:
    """A private key and its certificate (the structure's signature certificate)."""

    key: PrivateKeyTypes
    certificate: x509.Certificate

    @classmethod
    def from_files(cls, certificate: Path, key: Path, password: bytes | None = None) -> Signer:
        """Read a PEM certificate and key. Raises :class:`esante.trust.PkiError`."""
        return cls(load_private_key(key, password), load_certificate(certificate))

    @classmethod
    def from_pki(cls, pki: Pki) -> Signer:
        """The signature pair of a test PKI (``esante pki init``)."""
        return cls.from_files(pki.signature.certificate, pki.signature.key)


class VihfIssuer(Protocol):
    """Anything that turns VIHF attributes into a signed assertion for ``wsse:Security``."""

    def issue(self, vihf: Vihf, *, access_reason: str | None = None) -> etree._Element:
        """The signed ``saml2:Assertion``; raises :class:`esante.trust.TrustError`."""
        ...


class SigningVihfIssuer:
    """Issue VIHFs signed with a certificate (indirect authentication, structure certificate)."""

    def __init__(
        self,
        signer: Signer,
        *,
        lifetime: timedelta = DEFAULT_LIFETIME,
        clock: Callable[[], datetime] | None = None,
    ):
        self.signer = signer
        self._lifetime = lifetime
        self._clock = clock or (lambda: datetime.now(UTC))

    def issue(self, vihf: Vihf, *, access_reason: str | None = None) -> etree._Element:
        assertion = build_vihf(
            vihf,
            issuer=self.signer.certificate.subject.rfc4514_string(),
            now=self._clock(),
            lifetime=self._lifetime,
        )
        if access_reason:
            add_text_attribute(assertion, ACCESS_REASON_ATTRIBUTE, access_reason)
        return sign_vihf(assertion, key=self.signer.key, certificate=self.signer.certificate)


def add_text_attribute(assertion: etree._Element, name: str, value: str) -> None:
    """Append a string ``saml2:Attribute`` to the AttributeStatement of an unsigned assertion."""
    statement = assertion.find(f"{{{SAML_NS}}}AttributeStatement")
    if statement is None:
        statement = etree.SubElement(assertion, f"{{{SAML_NS}}}AttributeStatement")
    attribute = etree.SubElement(statement, f"{{{SAML_NS}}}Attribute", Name=name)
    element = etree.SubElement(attribute, f"{{{SAML_NS}}}AttributeValue", nsmap={"xs": XS_NS})
    element.set(f"{{{XSI_NS}}}type", "xs:string")
    element.text = " ".join(value.split())


def vihf_for(actor: Actor, access: Access, lps: LpsInfo, ins: Ins | None) -> Vihf:
    """The VIHF attributes of a call by ``actor`` on the DMP of ``ins`` in mode ``access``.

    The attributes follow the DMP kit's tokens for each mode (``messages/vihf``):
    ``subject-id`` (the user's name) only in indirect modes — in DIRECTE the card names
    the user; ``AuthnContextDecl`` in AIR (:attr:`Actor.authentication_method`);
    ``LPS_ID`` always (:attr:`LpsInfo.lps_id`, else the installation OID).
    Raises :class:`esante.identity.InsError` when ``ins`` has no OID.
    """
    patient = None
    if ins is not None:
        ins.cx()  # an INS is never sent without its assigning authority
        assert ins.oid is not None
        patient = PatientId(ins.matricule, ins.oid)
    direct = actor.authentication_mode is AuthenticationMode.DIRECTE
    reinforced = actor.authentication_mode is AuthenticationMode.INDIRECTE_RENFORCEE
    return Vihf(
        subject_id=actor.id,
        subject_name=None if direct else actor.display_name,
        structure_id=actor.structure_id,
        activity_sector=actor.activity_sector,
        role=actor.role,
        specialty=actor.specialty,
        patient=patient,
        access_mode=access.mode,
        authentication_mode=actor.authentication_mode,
        lps_name=lps.name,
        lps_version=lps.version,
        lps_homologation_id=lps.homologation_id,
        lps_id=lps.lps_id or lps.oid,
        authn_context=AUTHN_SMARTCARD,
        authn_context_decl=(actor.authentication_method or AUTHN_SMARTCARD) if reinforced else None,
    )
