"""The ebRIM/ebRS wire format of XDS.b: two-way transforms, request/response codec, XSDs.

``metadata`` turns DocumentEntry/SubmissionSet into registry objects and back,
``object_list`` Associations and whole RegistryObjectLists; ``requests`` and
``responses`` encode and decode the transaction bodies;
``schema`` validates them against the DMP kit's XSDs; ``rim`` holds the low-level
ebRIM building blocks. The public names are re-exported by :mod:`esante.xds`.
"""

from esante.xds.ebxml.metadata import (
    document_entry_from_ebrim,
    document_entry_to_ebrim,
    submission_set_from_ebrim,
    submission_set_to_ebrim,
)
from esante.xds.ebxml.object_list import (
    ObjectList,
    association_from_ebrim,
    association_to_ebrim,
    object_list_to_ebrim,
    read_object_list,
)
from esante.xds.ebxml.requests import (
    Attach,
    adhoc_query_from_xml,
    adhoc_query_to_xml,
    provide_and_register_from_xml,
    provide_and_register_to_xml,
    query_request_from_xml,
    query_request_to_xml,
    retrieve_request_from_xml,
    retrieve_request_to_xml,
    update_document_set_from_xml,
    update_document_set_to_xml,
)
from esante.xds.ebxml.responses import (
    query_response_from_xml,
    query_response_to_xml,
    registry_response_from_xml,
    registry_response_to_xml,
    retrieve_response_from_xml,
    retrieve_response_to_xml,
)
from esante.xds.ebxml.rim import IdSource, new_uuid
from esante.xds.ebxml.schema import EbxmlSchema, load_schema

__all__ = [
    "Attach",
    "EbxmlSchema",
    "IdSource",
    "ObjectList",
    "adhoc_query_from_xml",
    "adhoc_query_to_xml",
    "association_from_ebrim",
    "association_to_ebrim",
    "document_entry_from_ebrim",
    "document_entry_to_ebrim",
    "load_schema",
    "new_uuid",
    "object_list_to_ebrim",
    "provide_and_register_from_xml",
    "provide_and_register_to_xml",
    "query_request_from_xml",
    "query_request_to_xml",
    "query_response_from_xml",
    "query_response_to_xml",
    "read_object_list",
    "registry_response_from_xml",
    "registry_response_to_xml",
    "retrieve_request_from_xml",
    "retrieve_request_to_xml",
    "retrieve_response_from_xml",
    "retrieve_response_to_xml",
    "submission_set_from_ebrim",
    "submission_set_to_ebrim",
    "update_document_set_from_xml",
    "update_document_set_to_xml",
]
