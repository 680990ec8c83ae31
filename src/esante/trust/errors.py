"""The trust branch of the exception tree: keys, certificates, signatures, VIHF, XAdES::

    EsanteError
     └── TrustError              (esante.trust) a security artefact is missing or not trustworthy
          ├── PkiError           the key/certificate files cannot be created or read
          ├── CertificateError   not issued by a trusted CA, expired, wrong key usage, unreadable
          ├── SignatureError     missing signature, digest mismatch, signature value invalid
          ├── VihfError          VIHF assertion malformed, incomplete, incoherent or expired
          └── XadesError         XAdES submission signature malformed or not matching the documents

``message`` is French and says what the clinician (or the integrator) must fix;
``detail`` is technical; the library exception (cryptography, signxml, lxml) is chained.
"""

from __future__ import annotations

from esante.errors import EsanteError


class TrustError(EsanteError):
    """A key, certificate, signature or security token is missing or not trustworthy."""


class PkiError(TrustError):
    """The PKI files (keys, certificates, manifest) cannot be written or read."""


class CertificateError(TrustError):
    """A certificate is unreadable, expired, not issued by a trusted CA or misused."""


class SignatureError(TrustError):
    """An XML signature is missing, does not match the signed data, or is invalid."""


class VihfError(TrustError):
    """A VIHF assertion is malformed, lacks a required attribute, is incoherent or expired."""


class XadesError(TrustError):
    """A XAdES submission signature is malformed or does not cover the expected documents."""
