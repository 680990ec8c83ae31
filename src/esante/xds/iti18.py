"""ITI-18 Registry Stored Query — DMP TD3.1 (recherche de documents, TD3.1a/b).

The record is row ``ITI-18`` of :data:`esante.xds.transactions.TRANSACTIONS`; this module
binds the codec and the validators. The consumer encodes a typed
:class:`~esante.xds.requests.QueryRequest` with :func:`encode_request` and reads the
``query:AdhocQueryResponse`` with :func:`decode_response`; the registry reads the raw
query with :func:`decode_raw_request`, checks it with :func:`validate_request` (failures
become RegistryErrors) and only then types it with :func:`esante.xds.queries.from_adhoc`.
"""

from __future__ import annotations

from esante.xds.ebxml.requests import adhoc_query_from_xml as decode_raw_request
from esante.xds.ebxml.requests import query_request_from_xml as decode_request
from esante.xds.ebxml.requests import query_request_to_xml as encode_request
from esante.xds.ebxml.responses import query_response_from_xml as decode_response
from esante.xds.ebxml.responses import query_response_to_xml as encode_response
from esante.xds.transactions import TRANSACTIONS
from esante.xds.validate.queries import validate_query_request as validate_request
from esante.xds.validate.queries import validate_query_response as validate_response

TRANSACTION = TRANSACTIONS["ITI-18"]

__all__ = [
    "TRANSACTION",
    "decode_raw_request",
    "decode_request",
    "decode_response",
    "encode_request",
    "encode_response",
    "validate_request",
    "validate_response",
]
