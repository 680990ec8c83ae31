"""ITI-43 Retrieve Document Set — DMP TD3.2 (consultation d'un document).

The record is row ``ITI-43`` of :data:`esante.xds.transactions.TRANSACTIONS`; this module
binds the codec and the validator. The response carries the documents as MTOM
attachments: :func:`decode_response` resolves ``xop:Include`` through ``attachments``.
"""

from __future__ import annotations

from esante.xds.ebxml.requests import retrieve_request_from_xml as decode_request
from esante.xds.ebxml.requests import retrieve_request_to_xml as encode_request
from esante.xds.ebxml.responses import retrieve_response_from_xml as decode_response
from esante.xds.ebxml.responses import retrieve_response_to_xml as encode_response
from esante.xds.transactions import TRANSACTIONS
from esante.xds.validate.queries import validate_retrieve_request as validate_request

TRANSACTION = TRANSACTIONS["ITI-43"]

__all__ = [
    "TRANSACTION",
    "decode_request",
    "decode_response",
    "encode_request",
    "encode_response",
    "validate_request",
]
