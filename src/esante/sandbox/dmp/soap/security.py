"""Who is calling: the VIHF of ``wsse:Security``, checked against the TLS client certificate.

Every DMP request carries a signed VIHF (SAML 2.0 assertion, CI-SIS "mapping VIHF pour
le DMP") and arrives over mutual TLS. :func:`authenticate` turns the pair into a
:class:`Caller` — the :class:`~esante.sandbox.dmp.rights.Actor` the business rules
judge, the access mode, the patient of ``resource-id`` — or refuses with a
:class:`~esante.sandbox.dmp.soap.faults.DmpFault`:

1. a TLS client certificate is present (the socket layer already required it to chain
   to the sandbox CA; an in-process caller must name one);
2. exactly the VIHF of ``wsse:Security`` is verified by :func:`esante.trust.verify_vihf`:
   signature (RSA-SHA256 or stronger), signer certificate issued by the sandbox CA and
   allowed to sign, validity period (5 minutes of clock skew), attributes of the VIHF
   table (specialty of médecins and pharmaciens, user name in indirect mode, INS);
3. coherence: the VIHF's ``Identifiant_Structure`` is the structure of the TLS
   certificate (its OU, where the IGC-Santé writes idNat_Struct) — a structure cannot
   speak for another one;
4. a ``bris_de_glace`` access carries its justification (``Mode_Acces_Raison``).

**Kit mode** (``esante sandbox start --accept-foreign-signatures``) exists to replay the
official DMP messages, whose tokens come from the ANS test PKI. It accepts a VIHF whose
signature holds with the certificate it carries (``foreign_signature``), and — because
the kit's own tokens were edited after signing and fail even that — falls back to
*reading the VIHF without any signature check*; it ignores the validity period and the
structure coherence. Every such acceptance is logged as a warning. It proves nothing
about the caller: never use it outside tests of the official messages.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography import x509
from cryptography.x509.oid import NameOID
from lxml import etree

from esante.sandbox.dmp.records import PatientIns
from esante.sandbox.dmp.rights import Actor
from esante.sandbox.dmp.soap.faults import FAILED_AUTHENTICATION, INVALID_SECURITY, DmpFault
from esante.transport import Envelope, security_tokens
from esante.trust import TrustError, VihfAssertion, parse_vihf, verify_vihf
from esante.trust.vocabulary import (
    PROFESSION_SYSTEM,
    SAML_NS,
    AccessMode,
)

logger = logging.getLogger("esante.sandbox.dmp")

ACCESS_REASON_ATTRIBUTE = "Mode_Acces_Raison"
"""VIHF attribute carrying the justification of a ``bris_de_glace`` access."""


@dataclass(frozen=True)
class TrustPolicy:
    """What the sandbox trusts: its CA, and whether kit mode is on.

    ``clock`` gives the time VIHF validity is checked at (injectable for tests).
    """

    trusted_cas: tuple[x509.Certificate, ...]
    kit_mode: bool = False
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)


@dataclass(frozen=True)
class Caller:
    """The authenticated caller of one request.

    ``verified`` is False when kit mode accepted a VIHF without checking its signature.
    ``tls_structure_id`` is the structure of the TLS client certificate.
    """

    actor: Actor
    access_mode: AccessMode
    patient: PatientIns | None
    vihf: VihfAssertion
    tls_structure_id: str | None
    access_reason: str | None = None
    verified: bool = True


def structure_of(certificate: x509.Certificate) -> str | None:
    """The structure identifier (idNat_Struct) of an IGC-Santé-like certificate: its OU."""
    values = certificate.subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME)
    if not values:
        return None
    value = values[0].value
    return value if isinstance(value, str) else value.decode("utf-8", "replace")


def authenticate(envelope: Envelope, peer: x509.Certificate | None, policy: TrustPolicy) -> Caller:
    """The :class:`Caller` of a request (see the module docstring); raise DmpFault."""
    if peer is None:
        raise DmpFault(
            "Certificat d'authentification de la structure absent : connexion refusée.",
            subcodes=(FAILED_AUTHENTICATION,),
            detail="no TLS client certificate for this request",
        )
    tokens = [t for t in security_tokens(envelope) if t.tag == f"{{{SAML_NS}}}Assertion"]
    if not tokens:
        raise DmpFault(
            "Jeton VIHF absent de l'en-tête de sécurité (wsse:Security).",
            subcodes=(INVALID_SECURITY,),
            detail="no saml2:Assertion in wsse:Security",
        )
    if len(tokens) > 1:
        raise DmpFault(
            "Plusieurs jetons VIHF dans l'en-tête de sécurité : un seul est attendu.",
            subcodes=(INVALID_SECURITY,),
            detail=f"{len(tokens)} saml2:Assertion in wsse:Security",
        )
    assertion, verified = _read(tokens[0], policy)
    vihf = assertion.vihf
    tls_structure = structure_of(peer)
    if vihf.structure_id != tls_structure:
        if not policy.kit_mode:
            raise DmpFault(
                "Le VIHF ne correspond pas au certificat d'authentification de la structure "
                "(Identifiant_Structure différent).",
                subcodes=(FAILED_AUTHENTICATION,),
                detail=f"VIHF Identifiant_Structure {vihf.structure_id!r}, TLS certificate "
                f"OU {tls_structure!r}",
            )
        logger.warning(
            "kit mode: VIHF structure differs from the TLS certificate's; accepted anyway"
        )
    reason = _first(assertion, ACCESS_REASON_ATTRIBUTE)
    if vihf.access_mode is AccessMode.BRIS_DE_GLACE and not reason and not policy.kit_mode:
        raise DmpFault(
            "L'accès en mode bris de glace exige un motif (Mode_Acces_Raison).",
            subcodes=(FAILED_AUTHENTICATION,),
            detail="purposeofuse bris_de_glace without Mode_Acces_Raison",
        )
    patient = (
        PatientIns(vihf.patient.identifier.strip(), vihf.patient.oid.strip())
        if vihf.patient is not None
        else None
    )
    return Caller(
        actor=actor_of(assertion),
        access_mode=vihf.access_mode,
        patient=patient,
        vihf=assertion,
        tls_structure_id=tls_structure,
        access_reason=reason,
        verified=verified,
    )


def actor_of(assertion: VihfAssertion) -> Actor:
    """The rights-matrix actor a VIHF describes."""
    vihf = assertion.vihf
    professional = vihf.role.code_system == PROFESSION_SYSTEM
    given, family = _split_name(vihf.subject_name)
    return Actor(
        id_nat_ps=vihf.subject_id.strip(),
        authentication_mode=vihf.authentication_mode,
        structure_id=vihf.structure_id.strip() or None,
        profession=vihf.role.code if professional else None,
        specialty=vihf.specialty.code if vihf.specialty is not None else None,
        role=None if professional else (vihf.role.code or None),
        family_name=family,
        given_name=given,
    )


def _read(token: etree._Element, policy: TrustPolicy) -> tuple[VihfAssertion, bool]:
    try:
        return verify_vihf(token, trusted_cas=policy.trusted_cas, now=policy.clock()), True
    except TrustError as exc:
        if not policy.kit_mode:
            raise DmpFault(
                exc.message,
                subcodes=(FAILED_AUTHENTICATION,),
                detail=exc.detail,
            ) from exc
        strict_failure = exc
    try:
        assertion = verify_vihf(token, foreign_signature=True, check_times=False)
        logger.warning(
            "kit mode: VIHF signed by a foreign PKI accepted (%s)",
            type(strict_failure).__name__,
        )
        return assertion, True
    except TrustError as exc:
        foreign_failure = exc
    try:
        assertion = parse_vihf(token, check=True)
    except TrustError as exc:
        raise DmpFault(exc.message, subcodes=(FAILED_AUTHENTICATION,), detail=exc.detail) from exc
    logger.warning(
        "KIT MODE: VIHF ACCEPTED WITHOUT SIGNATURE CHECK (%s: %s)",
        type(foreign_failure).__name__,
        foreign_failure.detail or foreign_failure.message,
    )
    return assertion, False


def _first(assertion: VihfAssertion, name: str) -> str | None:
    for key, values in assertion.other_attributes.items():
        if key.lower() == name.lower() and values and values[0].strip():
            return values[0].strip()
    return None


def _split_name(display: str | None) -> tuple[str | None, str | None]:
    """``"Prénom NOM"`` (the VIHF subject-id) as (given, family)."""
    if not display or not display.strip():
        return None, None
    parts = display.strip().split(" ", 1)
    if len(parts) == 1:
        return None, parts[0]
    return parts[0], parts[1]
