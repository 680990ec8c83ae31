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

The DMP asks each kind of certificate for its own use (EX_GEN-1450: an ORG_AUTH_CLI
certificate for mutual TLS, an ORG_SIGN certificate for the VIHF signature), and so does
the sandbox, beyond what the trust layer checks:

5. the TLS client certificate is an authentication certificate: its extended key usage
   names ``clientAuth`` (RFC 5280 §4.2.1.12; a certificate without the extension would
   pass OpenSSL's purpose check, the structure's signature certificate among them);
6. the VIHF signer is the structure's signature certificate: non-repudiation key usage,
   no ``clientAuth`` usage, no e-mail address (an MSSanté mailbox certificate of the same
   structure is an authentication certificate), and its OU is the VIHF's structure;
7. the VIHF was issued at most :data:`MAX_VIHF_AGE` ago, whatever its ``Conditions``
   say (a VIHF is made for the request it carries; esante issues one per call, valid 30
   minutes);
8. its ``ID`` was not accepted before while still valid (:mod:`.replays`): the same
   request sent again is refused.

**Kit mode** (``esante sandbox start --accept-foreign-signatures``) exists to replay the
official DMP messages, whose tokens come from the ANS test PKI. It accepts a VIHF whose
signature holds with the certificate it carries (``foreign_signature``), and — because
the kit's own tokens were edited after signing and fail even that — falls back to
*reading the VIHF without any signature check*; it ignores the validity period and the
structure coherence, and checks 6-8. Every such acceptance is logged as a warning. It proves nothing
about the caller: never use it outside tests of the official messages.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Final

from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from lxml import etree

from esante.sandbox.dmp.records import PatientIns
from esante.sandbox.dmp.rights import Actor
from esante.sandbox.dmp.soap.faults import FAILED_AUTHENTICATION, INVALID_SECURITY, DmpFault
from esante.sandbox.dmp.soap.replays import ReplayGuard
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

MAX_VIHF_AGE: Final = timedelta(hours=1)
"""Oldest VIHF accepted, counted from its ``IssueInstant``."""
CLOCK_SKEW: Final = timedelta(minutes=5)
"""Tolerance between the caller's clock and the sandbox's (as :func:`esante.trust.verify_vihf`)."""


@dataclass(frozen=True)
class TrustPolicy:
    """What the sandbox trusts: its CA, and whether kit mode is on.

    ``clock`` gives the time VIHF validity is checked at (injectable for tests);
    ``replays`` remembers the assertion ids already accepted.
    """

    trusted_cas: tuple[x509.Certificate, ...]
    kit_mode: bool = False
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    max_age: timedelta = MAX_VIHF_AGE
    replays: ReplayGuard = field(default_factory=ReplayGuard, compare=False)


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
    _check_client_certificate(peer)
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
    if not policy.kit_mode:
        _check_signer(assertion)
        _check_fresh_and_unused(assertion, policy)
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


def _check_client_certificate(peer: x509.Certificate) -> None:
    if not _has_usage(peer, ExtendedKeyUsageOID.CLIENT_AUTH):
        raise DmpFault(
            "Le certificat présenté pour la connexion n'est pas un certificat "
            "d'authentification de la structure (usage clientAuth absent).",
            subcodes=(FAILED_AUTHENTICATION,),
            detail=f"TLS client certificate {peer.subject.rfc4514_string()} has no "
            "extendedKeyUsage clientAuth",
        )


def _check_signer(assertion: VihfAssertion) -> None:
    signer = assertion.certificate
    if signer is None:  # a verified assertion always names its signer
        raise DmpFault(
            "Le certificat du signataire est absent du jeton VIHF.",
            subcodes=(FAILED_AUTHENTICATION,),
            detail="verified VIHF without signer certificate",
        )
    name = signer.subject.rfc4514_string()
    if not _is_signature_certificate(signer):
        raise DmpFault(
            "Le VIHF doit être signé avec le certificat de signature de la structure "
            "(ORG_SIGN), pas avec un certificat d'authentification ou de messagerie.",
            subcodes=(FAILED_AUTHENTICATION,),
            detail=f"VIHF signer {name} is not a signature certificate (nonRepudiation "
            "key usage, no clientAuth, no e-mail address required)",
        )
    signer_structure = structure_of(signer)
    if signer_structure != assertion.vihf.structure_id.strip():
        raise DmpFault(
            "Le VIHF est signé par le certificat d'une autre structure que celle qu'il "
            "désigne (Identifiant_Structure).",
            subcodes=(FAILED_AUTHENTICATION,),
            detail=f"VIHF signer OU {signer_structure!r}, Identifiant_Structure "
            f"{assertion.vihf.structure_id!r}",
        )


def _check_fresh_and_unused(assertion: VihfAssertion, policy: TrustPolicy) -> None:
    now = policy.clock()
    issued = assertion.issue_instant
    if now - issued > policy.max_age + CLOCK_SKEW:
        raise DmpFault(
            "Le jeton VIHF est trop ancien : il doit être émis pour la requête "
            f"(émis il y a plus de {_minutes(policy.max_age)} minutes).",
            subcodes=(FAILED_AUTHENTICATION,),
            detail=f"IssueInstant {issued.isoformat()}, now {now.isoformat()}, "
            f"max age {policy.max_age}",
        )
    end = issued + policy.max_age
    if assertion.not_on_or_after is not None:
        end = min(end, assertion.not_on_or_after)
    if not policy.replays.first_use(assertion.assertion_id, until=end + CLOCK_SKEW, now=now):
        raise DmpFault(
            "Jeton VIHF déjà utilisé : chaque requête doit porter un jeton neuf (rejeu refusé).",
            subcodes=(FAILED_AUTHENTICATION,),
            detail=f"assertion ID {assertion.assertion_id[:100]!r} already accepted",
        )


def _is_signature_certificate(certificate: x509.Certificate) -> bool:
    try:
        usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return False
    if not usage.content_commitment or _has_usage(certificate, ExtendedKeyUsageOID.CLIENT_AUTH):
        return False
    try:
        names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except x509.ExtensionNotFound:
        return True
    return not names.value.get_values_for_type(x509.RFC822Name)


def _has_usage(certificate: x509.Certificate, usage: x509.ObjectIdentifier) -> bool:
    try:
        extended = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    except x509.ExtensionNotFound:
        return False
    return usage in extended.value


def _minutes(delta: timedelta) -> int:
    return int(delta.total_seconds() // 60)


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
