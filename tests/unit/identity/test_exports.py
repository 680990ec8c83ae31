"""The public face of esante.identity is a tested contract (other packages code against it)."""

from __future__ import annotations

import esante.identity
import esante.identity.datamatrix


def test_identity_exports() -> None:
    assert esante.identity.__all__ == sorted(esante.identity.__all__)
    assert set(esante.identity.__all__) == {
        "DataMatrixError",
        "DocumentTrust",
        "DocumentType",
        "Downgrade",
        "IdentityDocument",
        "IdentityError",
        "IdentityStatus",
        "IdentityStatusError",
        "IdentityTraits",
        "Ins",
        "InsDataMatrix",
        "InsError",
        "InsKind",
        "SharedIdentity",
        "StatusChange",
        "TraitsError",
        "check_ins",
        "decode_payload",
        "document_type",
        "document_types",
        "downgrade",
        "encode_payload",
        "ins_name",
        "next_status",
        "nir_key",
        "read_image",
        "reconfirmation",
        "render_png",
        "render_svg",
        "shareable_ins",
        "traits_discrepancies",
        "transition",
    }
    for name in esante.identity.__all__:
        assert getattr(esante.identity, name) is not None


def test_datamatrix_exports() -> None:
    assert esante.identity.datamatrix.__all__ == sorted(esante.identity.datamatrix.__all__)
    assert set(esante.identity.datamatrix.__all__) == {
        "GS",
        "HEADER",
        "InsDataMatrix",
        "decode_payload",
        "encode_payload",
        "read_image",
        "render_png",
        "render_svg",
    }


def test_error_tree() -> None:
    from esante.errors import EsanteError
    from esante.identity import (
        DataMatrixError,
        IdentityError,
        IdentityStatusError,
        InsError,
        TraitsError,
    )

    assert issubclass(IdentityError, EsanteError)
    for cls in (InsError, IdentityStatusError, DataMatrixError, TraitsError):
        assert issubclass(cls, IdentityError)
