"""The sandbox's Annuaire Santé: the demo professionals and their MSSanté mailboxes in FHIR.

A small read/search FHIR API shaped like the ANS "API FHIR Annuaire Santé"
(:mod:`~esante.sandbox.directory.app`), its resources built from
:func:`esante.demo.demo_dataset` (:mod:`~esante.sandbox.directory.resources`), and the
thread that serves it on loopback (:class:`~esante.sandbox.directory.server.DirectoryServer`).
"""

from esante.sandbox.directory.app import API_KEY_HEADER, FHIR_BASE_PATH, create_directory_app
from esante.sandbox.directory.resources import directory_resources, mailbox_address
from esante.sandbox.directory.server import DirectoryServer

__all__ = [
    "API_KEY_HEADER",
    "DirectoryServer",
    "FHIR_BASE_PATH",
    "create_directory_app",
    "directory_resources",
    "mailbox_address",
]
