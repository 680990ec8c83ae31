"""INS identity: matricule and key, traits, identity status, INS DataMatrix.

The formats layer's view of the Identifiant National de Santé: checking an INS
(:func:`check_ins`, :func:`nir_key`), the reference traits and their coherence with the
matricule (:class:`IdentityTraits`, :func:`traits_discrepancies`), the identity status
machine of the Référentiel national d'identitovigilance (:func:`transition`,
:func:`downgrade`, :func:`shareable_ins`) and the INS DataMatrix
(:mod:`esante.identity.datamatrix`). Pure functions and values; no I/O except the
DataMatrix image helpers, which read and write the files they are given.
"""

from esante.identity.datamatrix import (
    InsDataMatrix,
    decode_payload,
    encode_payload,
    read_image,
    render_png,
    render_svg,
)
from esante.identity.documents import (
    DocumentTrust,
    DocumentType,
    IdentityDocument,
    document_type,
    document_types,
)
from esante.identity.errors import (
    DataMatrixError,
    IdentityError,
    IdentityStatusError,
    InsError,
    TraitsError,
)
from esante.identity.ins import Ins, InsKind, check_ins, nir_key
from esante.identity.status import (
    Downgrade,
    IdentityStatus,
    SharedIdentity,
    StatusChange,
    downgrade,
    next_status,
    reconfirmation,
    shareable_ins,
    transition,
)
from esante.identity.traits import IdentityTraits, ins_name, traits_discrepancies

__all__ = [
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
]
