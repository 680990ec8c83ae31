"""ITI-41 Provide and Register Document Set-b — DMP TD2.1 (alimentation, remplacement).

The record is row ``ITI-41`` of :data:`esante.xds.transactions.TRANSACTIONS`; this module
only binds the codec and the validator: build the request with
:func:`esante.xds.cda_submission.provide_and_register_from_cda`, check it with
:func:`validate_request`, encode it with :func:`encode_request` (documents as MTOM
attachments through ``attach``), read the ``rs:RegistryResponse`` with
:func:`decode_response`.
"""

from __future__ import annotations

from esante.xds.ebxml.requests import provide_and_register_from_xml as decode_request
from esante.xds.ebxml.requests import provide_and_register_to_xml as encode_request
from esante.xds.ebxml.responses import registry_response_from_xml as decode_response
from esante.xds.ebxml.responses import registry_response_to_xml as encode_response
from esante.xds.transactions import TRANSACTIONS
from esante.xds.validate.submissions import validate_provide_and_register as validate_request

TRANSACTION = TRANSACTIONS["ITI-41"]

__all__ = [
    "TRANSACTION",
    "decode_request",
    "decode_response",
    "encode_request",
    "encode_response",
    "validate_request",
]
