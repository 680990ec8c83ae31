"""Trust material for the national services: test PKI, VIHF assertions, XAdES signatures.

This layer knows no business beyond what the VIHF carries. It generates a throwaway PKI
(:func:`generate_test_pki`, ``esante pki init``), issues and verifies the VIHF SAML
assertion every DMP request carries (:func:`issue_vihf`, :func:`verify_vihf`) and signs
and verifies the XAdES signature document of a TD2.1 submission
(:func:`sign_submission`, :func:`verify_submission_signature`). Failures are
:class:`TrustError` subclasses with French messages.
"""

from esante.trust.certificates import (
    load_certificate,
    load_certificates,
    load_private_key,
    verify_chain,
)
from esante.trust.errors import (
    CertificateError,
    PkiError,
    SignatureError,
    TrustError,
    VihfError,
    XadesError,
)
from esante.trust.pki import (
    DEFAULT_STRUCTURE_ID,
    DEFAULT_STRUCTURE_NAME,
    KeyPairFiles,
    Pki,
    generate_test_pki,
    load_pki,
)
from esante.trust.vihf import build_vihf, issue_vihf, parse_vihf, sign_vihf, verify_vihf
from esante.trust.vihf_model import Code, PatientId, Vihf, VihfAssertion, check_vihf
from esante.trust.vocabulary import AccessMode, AuthenticationMode
from esante.trust.xades import (
    ManifestEntry,
    parse_submission_signature,
    sign_submission,
    verify_submission_signature,
)
from esante.trust.xades_reader import ManifestReference, XadesSignature

__all__ = [
    "DEFAULT_STRUCTURE_ID",
    "DEFAULT_STRUCTURE_NAME",
    "AccessMode",
    "AuthenticationMode",
    "CertificateError",
    "Code",
    "KeyPairFiles",
    "ManifestEntry",
    "ManifestReference",
    "PatientId",
    "Pki",
    "PkiError",
    "SignatureError",
    "TrustError",
    "Vihf",
    "VihfAssertion",
    "VihfError",
    "XadesError",
    "XadesSignature",
    "build_vihf",
    "check_vihf",
    "generate_test_pki",
    "issue_vihf",
    "load_certificate",
    "load_certificates",
    "load_pki",
    "load_private_key",
    "parse_submission_signature",
    "parse_vihf",
    "sign_submission",
    "sign_vihf",
    "verify_chain",
    "verify_submission_signature",
    "verify_vihf",
]
