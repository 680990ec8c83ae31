"""The public face of esante.trust is a tested contract."""

from __future__ import annotations

import esante.trust


def test_trust_exports() -> None:
    # isort-style order (constants, classes, functions), as ruff's RUF022 keeps it.
    assert esante.trust.__all__ == [
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
    for name in esante.trust.__all__:
        assert hasattr(esante.trust, name), name
