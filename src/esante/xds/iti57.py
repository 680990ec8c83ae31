"""ITI-57 Update Document Set — DMP TD3.3a-d (masquage, visibilité, suppression, archivage).

The record is row ``ITI-57`` of :data:`esante.xds.transactions.TRANSACTIONS`; this module
binds the codec and the validator. Build the request with :mod:`esante.xds.updates`
(``mask_to_professionals``, ``set_patient_visibility``, ``delete_document``,
``archive_document``...).
"""

from __future__ import annotations

from esante.xds.ebxml.requests import update_document_set_from_xml as decode_request
from esante.xds.ebxml.requests import update_document_set_to_xml as encode_request
from esante.xds.ebxml.responses import registry_response_from_xml as decode_response
from esante.xds.ebxml.responses import registry_response_to_xml as encode_response
from esante.xds.transactions import TRANSACTIONS
from esante.xds.validate.submissions import validate_update_document_set as validate_request

TRANSACTION = TRANSACTIONS["ITI-57"]

__all__ = [
    "TRANSACTION",
    "decode_request",
    "decode_response",
    "encode_request",
    "encode_response",
    "validate_request",
]
