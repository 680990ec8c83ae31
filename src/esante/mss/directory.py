"""Annuaire Santé (ANS) FHIR client: professionals, structures and their MSSanté mailboxes.

The ANS "API FHIR Annuaire Santé" (``https://gateway.api.esante.gouv.fr/fhir/v2/``,
every request carrying the ``ESANTE-API-KEY`` header) publishes ``Practitioner``,
``PractitionerRole`` and ``Organization`` resources (IG "Annuaire Santé"). An MSSanté
mailbox is a ``telecom`` of system ``email`` carrying the FR Core extension
``fr-core-contact-point-email-type`` = ``MSSANTE`` (TRE_R256) and, optionally, the
``as-ext-mailbox-mss-metadata`` extension (type of mailbox ``PER``/``ORG``/``APP``/
``CAB`` from TRE_R257, description, service, red list). Professionals are found by
identifier — RPPS (``https://rpps.esante.gouv.fr``) or idNat_PS
(``urn:oid:1.2.250.1.71.4.2.1``, ``8`` + RPPS) — or by name; their practice situations
(``PractitionerRole``) and structures come in the same Bundle
(``_revinclude=PractitionerRole:practitioner``,
``_include:iterate=PractitionerRole:organization``).

Responses are bounded in size and pages; ``next`` links are only followed to the
server the client was configured with (the API key never goes elsewhere). Failures:
:class:`~esante.mss.errors.MssDirectoryError` (unreachable, key refused, server error;
``code`` = HTTP status), :class:`~esante.mss.errors.MssFormatError` for an answer that is
not a FHIR Bundle. The API key is never logged nor put in error messages.
"""

from __future__ import annotations

import json
import re
import ssl
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Final
from urllib.parse import urljoin, urlsplit

import httpx

from esante.mss.errors import MssDirectoryError, MssFormatError

__all__ = [
    "ANS_FHIR_BASE_URL",
    "API_KEY_HEADER",
    "DirectoryClient",
    "DirectoryOrganization",
    "DirectoryPractitioner",
    "DirectoryRole",
    "Mailbox",
]

ANS_FHIR_BASE_URL: Final = "https://gateway.api.esante.gouv.fr/fhir/v2/"
API_KEY_HEADER: Final = "ESANTE-API-KEY"
RPPS_SYSTEM: Final = "https://rpps.esante.gouv.fr"
IDNAT_PS_SYSTEM: Final = "urn:oid:1.2.250.1.71.4.2.1"
IDNAT_STRUCT_SYSTEM: Final = "urn:oid:1.2.250.1.71.4.2.2"
FINESS_SYSTEM: Final = "https://finess.esante.gouv.fr"
EMAIL_TYPE_URL: Final = (
    "https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-contact-point-email-type"
)
MAILBOX_METADATA_URL: Final = "https://interop.esante.gouv.fr/ig/fhir/annuaire/StructureDefinition/as-ext-mailbox-mss-metadata"
MSSANTE_CODE: Final = "MSSANTE"
FHIR_JSON: Final = "application/fhir+json"

_RPPS = re.compile(r"\d{11}")
_IDNAT_PS = re.compile(r"8\d{11}")
_IDNAT_STRUCT = re.compile(r"[0-9][0-9A-Za-z]{9,14}")


@dataclass(frozen=True, slots=True)
class Mailbox:
    """An MSSanté mailbox as the directory publishes it.

    ``type``: ``PER`` (personal), ``ORG`` (organisational), ``APP`` (applicative),
    ``CAB`` (practice) or ``None`` when unspecified; ``holder``: the resource carrying it
    (``Practitioner/…``, ``PractitionerRole/…``, ``Organization/…``).
    """

    address: str
    type: str | None = None
    description: str | None = None
    service: str | None = None
    red_list: bool = False
    holder: str = ""


@dataclass(frozen=True, slots=True)
class DirectoryOrganization:
    """A structure: name, national identifier (idNat_Struct), FINESS, mailboxes."""

    id: str
    name: str
    id_nat_struct: str | None = None
    finess: str | None = None
    mailboxes: tuple[Mailbox, ...] = ()


@dataclass(frozen=True, slots=True)
class DirectoryRole:
    """A practice situation (PractitionerRole): the structure and the role's mailboxes."""

    id: str
    organization_id: str | None = None
    organization: DirectoryOrganization | None = None
    mailboxes: tuple[Mailbox, ...] = ()


@dataclass(frozen=True, slots=True)
class DirectoryPractitioner:
    """A professional with identifiers, exercise name, situations and mailboxes."""

    id: str
    rpps: str | None
    id_nat_ps: str | None
    family_name: str
    given_names: tuple[str, ...] = ()
    prefix: str | None = None
    own_mailboxes: tuple[Mailbox, ...] = ()
    roles: tuple[DirectoryRole, ...] = ()

    @property
    def mailboxes(self) -> tuple[Mailbox, ...]:
        """The professional's mailboxes and those of their practice situations (not the
        structures' own), without duplicates."""
        seen: dict[str, Mailbox] = {}
        for mailbox in (*self.own_mailboxes, *(m for r in self.roles for m in r.mailboxes)):
            seen.setdefault(mailbox.address.lower(), mailbox)
        return tuple(seen.values())

    @property
    def display_name(self) -> str:
        """``Prénom NOM`` as published."""
        return " ".join((*self.given_names, self.family_name.upper())).strip()


# --- reading FHIR JSON --------------------------------------------------------------------


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _str(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _extension(element: Mapping[str, Any], url: str) -> dict[str, Any] | None:
    return next(
        (_dict(e) for e in _list(element.get("extension")) if _dict(e).get("url") == url), None
    )


def _first_code(concept: object) -> str | None:
    codings = _list(_dict(concept).get("coding"))
    return _str(_dict(codings[0]).get("code")) if codings else None


def mailbox_of(telecom: Mapping[str, Any], holder: str) -> Mailbox | None:
    """The :class:`Mailbox` of a ``ContactPoint`` when it is an MSSanté address."""
    address = _str(telecom.get("value"))
    if telecom.get("system") != "email" or address is None:
        return None
    kind = _extension(telecom, EMAIL_TYPE_URL)
    coded = None if kind is None else _str(_dict(kind.get("valueCoding")).get("code"))
    if coded != MSSANTE_CODE and not address.lower().endswith(".mssante.fr"):
        return None
    metadata = _extension(telecom, MAILBOX_METADATA_URL) or {}
    parts = {_str(_dict(e).get("url")): _dict(e) for e in _list(metadata.get("extension"))}
    return Mailbox(
        address=address.strip(),
        type=_first_code(parts.get("type", {}).get("valueCodeableConcept")),
        description=_str(parts.get("description", {}).get("valueString")),
        service=_str(parts.get("service", {}).get("valueString")),
        red_list=parts.get("listeRouge", {}).get("valueBoolean") is True,
        holder=holder,
    )


def _mailboxes(resource: Mapping[str, Any]) -> tuple[Mailbox, ...]:
    holder = f"{resource.get('resourceType')}/{resource.get('id')}"
    found = (mailbox_of(_dict(t), holder) for t in _list(resource.get("telecom")))
    return tuple(m for m in found if m is not None)


def _identifier(resource: Mapping[str, Any], system: str) -> str | None:
    return next(
        (
            _str(_dict(i).get("value"))
            for i in _list(resource.get("identifier"))
            if _dict(i).get("system") == system
        ),
        None,
    )


def _reference_id(reference: object, kind: str) -> str | None:
    value = _str(_dict(reference).get("reference"))
    if value is None:
        return None
    prefix, _, identifier = value.rstrip("/").rpartition("/")
    return identifier if prefix.endswith(kind) and identifier else None


def organization_of(resource: Mapping[str, Any]) -> DirectoryOrganization:
    """A :class:`DirectoryOrganization` from an ``Organization`` resource."""
    return DirectoryOrganization(
        id=str(resource.get("id", "")),
        name=_str(resource.get("name")) or "",
        id_nat_struct=_identifier(resource, IDNAT_STRUCT_SYSTEM),
        finess=_identifier(resource, FINESS_SYSTEM),
        mailboxes=_mailboxes(resource),
    )


def practitioner_of(
    resource: Mapping[str, Any], roles: tuple[DirectoryRole, ...] = ()
) -> DirectoryPractitioner:
    """A :class:`DirectoryPractitioner` from a ``Practitioner`` resource and its roles."""
    names = [_dict(n) for n in _list(resource.get("name"))]
    name = next(
        (n for n in names if n.get("use") in ("official", "usual")), names[0] if names else {}
    )
    id_nat_ps = _identifier(resource, IDNAT_PS_SYSTEM)
    rpps = _identifier(resource, RPPS_SYSTEM)
    if rpps is None and id_nat_ps and _IDNAT_PS.fullmatch(id_nat_ps):
        rpps = id_nat_ps[1:]
    prefixes = [p for p in _list(name.get("prefix")) if isinstance(p, str)]
    return DirectoryPractitioner(
        id=str(resource.get("id", "")),
        rpps=rpps,
        id_nat_ps=id_nat_ps,
        family_name=_str(name.get("family")) or "",
        given_names=tuple(g for g in _list(name.get("given")) if isinstance(g, str)),
        prefix=prefixes[0] if prefixes else None,
        own_mailboxes=_mailboxes(resource),
        roles=roles,
    )


@dataclass(frozen=True, slots=True)
class _Bundle:
    """The resources of every page of a search, by type (match and include entries)."""

    matches: tuple[dict[str, Any], ...]
    by_type: dict[str, dict[str, dict[str, Any]]]

    def practitioners(self) -> tuple[DirectoryPractitioner, ...]:
        organizations = {
            key: organization_of(value)
            for key, value in self.by_type.get("Organization", {}).items()
        }
        roles_by_practitioner: dict[str, list[DirectoryRole]] = {}
        for role in self.by_type.get("PractitionerRole", {}).values():
            practitioner = _reference_id(role.get("practitioner"), "Practitioner")
            organization_id = _reference_id(role.get("organization"), "Organization")
            if practitioner is None:
                continue
            roles_by_practitioner.setdefault(practitioner, []).append(
                DirectoryRole(
                    id=str(role.get("id", "")),
                    organization_id=organization_id,
                    organization=organizations.get(organization_id or ""),
                    mailboxes=_mailboxes(role),
                )
            )
        return tuple(
            practitioner_of(r, tuple(roles_by_practitioner.get(str(r.get("id", "")), ())))
            for r in self.matches
            if r.get("resourceType") == "Practitioner"
        )

    def organizations(self) -> tuple[DirectoryOrganization, ...]:
        return tuple(
            organization_of(r) for r in self.matches if r.get("resourceType") == "Organization"
        )


# --- the client ---------------------------------------------------------------------------


class DirectoryClient:
    """Queries the Annuaire Santé FHIR API (or the sandbox's) with an API key.

    ``base_url`` ends with the FHIR base (default :data:`ANS_FHIR_BASE_URL`);
    ``transport`` lets tests or callers plug an httpx transport; ``max_pages``,
    ``page_size`` (``_count``, at most 100) and ``max_response_bytes`` bound what one
    search reads.
    """

    def __init__(
        self,
        api_key: str,
        *,
        base_url: str = ANS_FHIR_BASE_URL,
        timeout: float = 10.0,
        verify: bool | ssl.SSLContext = True,
        transport: httpx.BaseTransport | None = None,
        max_pages: int = 5,
        page_size: int = 50,
        max_response_bytes: int = 5 * 1024 * 1024,
    ) -> None:
        if not api_key.strip():
            raise MssDirectoryError(
                "Clé d'API de l'Annuaire Santé manquante.", field=API_KEY_HEADER
            )
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self._origin = urlsplit(self.base_url)[:2]
        self._max_pages = max_pages
        self._page_size = max(1, min(page_size, 100))
        self._max_bytes = max_response_bytes
        self._client = httpx.Client(
            headers={API_KEY_HEADER: api_key, "Accept": FHIR_JSON},
            timeout=timeout,
            verify=verify,
            transport=transport,
            follow_redirects=False,
        )

    def __enter__(self) -> DirectoryClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the HTTP connections."""
        self._client.close()

    # -- HTTP --

    def _fetch(self, url: str, params: Mapping[str, str] | None) -> dict[str, Any] | None:
        try:
            with self._client.stream("GET", url, params=params) as response:
                body = bytearray()
                for chunk in response.iter_bytes():
                    body += chunk
                    if len(body) > self._max_bytes:
                        raise MssFormatError(
                            "Réponse de l'Annuaire Santé trop volumineuse.",
                            detail=f"more than {self._max_bytes} bytes",
                            field="Bundle",
                        )
                status = response.status_code
        except httpx.TimeoutException as exc:
            raise MssDirectoryError(
                "L'Annuaire Santé n'a pas répondu à temps.", detail=type(exc).__name__
            ) from exc
        except httpx.HTTPError as exc:
            raise MssDirectoryError(
                "L'Annuaire Santé est injoignable.", detail=f"{type(exc).__name__}: {exc}"
            ) from exc
        if status == 404:
            return None
        if status in (401, 403):
            raise MssDirectoryError(
                "L'Annuaire Santé a refusé la clé d'API (ESANTE-API-KEY).",
                detail=f"HTTP {status}",
                code=str(status),
                field=API_KEY_HEADER,
            )
        if status != 200:
            raise MssDirectoryError(
                "L'Annuaire Santé n'a pas pu répondre à la recherche.",
                detail=f"HTTP {status}: {_diagnostics(bytes(body))}",
                code=str(status),
            )
        try:
            document = json.loads(bytes(body))
        except ValueError as exc:
            raise MssFormatError(
                "Réponse de l'Annuaire Santé illisible (JSON invalide).",
                detail=str(exc),
                field="Bundle",
            ) from exc
        if not isinstance(document, dict):
            raise MssFormatError(
                "Réponse de l'Annuaire Santé illisible.", detail="not a JSON object", field="Bundle"
            )
        return document

    def _pages(self, resource: str, params: Mapping[str, str]) -> Iterator[dict[str, Any]]:
        url: str | None = urljoin(self.base_url, resource)
        query: Mapping[str, str] | None = params
        for _ in range(self._max_pages):
            assert url is not None
            bundle = self._fetch(url, query)
            if bundle is None:
                return
            if bundle.get("resourceType") != "Bundle":
                raise MssFormatError(
                    "Réponse de l'Annuaire Santé inattendue (Bundle FHIR attendu).",
                    detail=f"resourceType {bundle.get('resourceType')!r}",
                    field="Bundle.resourceType",
                )
            yield bundle
            url = next(
                (
                    _str(_dict(link).get("url"))
                    for link in _list(bundle.get("link"))
                    if _dict(link).get("relation") == "next"
                ),
                None,
            )
            if url is None:
                return
            if urlsplit(url)[:2] != self._origin:
                raise MssFormatError(
                    "Lien de pagination de l'Annuaire Santé vers un autre serveur : refusé.",
                    detail=f"next link outside {self.base_url}",
                    field="Bundle.link",
                )
            query = None

    def _search(
        self, resource: str, params: Mapping[str, str], limit: int | None = None
    ) -> _Bundle:
        matches: list[dict[str, Any]] = []
        by_type: dict[str, dict[str, dict[str, Any]]] = {}
        for bundle in self._pages(resource, params):
            for entry in _list(bundle.get("entry")):
                item = _dict(_dict(entry).get("resource"))
                kind, identifier = item.get("resourceType"), item.get("id")
                if not isinstance(kind, str) or not isinstance(identifier, str):
                    continue
                by_type.setdefault(kind, {})[identifier] = item
                mode = _dict(_dict(entry).get("search")).get("mode", "match")
                if mode == "match" and kind == resource:
                    matches.append(item)
            if limit is not None and len(matches) >= limit:
                break
        return _Bundle(tuple(matches), by_type)

    def _count(self, wanted: int) -> int:
        return max(1, min(wanted, self._page_size))

    # -- questions --

    def practitioner_by_rpps(self, rpps: str) -> DirectoryPractitioner | None:
        """The professional with this RPPS (11 digits) or idNat_PS (``8`` + RPPS).

        Raises :class:`MssDirectoryError` for an identifier of another shape.
        """
        value = rpps.strip()
        if _RPPS.fullmatch(value):
            token = f"{RPPS_SYSTEM}|{value}"
        elif _IDNAT_PS.fullmatch(value):
            token = f"{IDNAT_PS_SYSTEM}|{value}"
        else:
            raise MssDirectoryError(
                f"Identifiant RPPS invalide : « {rpps} » (11 chiffres attendus).",
                detail="expected 11 digits (RPPS) or 8 + 11 digits (idNat_PS)",
                field="rpps",
            )
        found = self._search("Practitioner", {"identifier": token, **_WITH_ROLES}).practitioners()
        return found[0] if found else None

    def mailboxes_for_rpps(self, rpps: str) -> tuple[Mailbox, ...]:
        """The MSSanté mailboxes of the professional with this RPPS (empty if unknown)."""
        practitioner = self.practitioner_by_rpps(rpps)
        return () if practitioner is None else practitioner.mailboxes

    def search_practitioners(
        self, *, family: str | None = None, given: str | None = None, count: int = 20
    ) -> tuple[DirectoryPractitioner, ...]:
        """Professionals whose exercise name starts with ``family`` / ``given``."""
        params = {**_WITH_ROLES, "_count": str(self._count(count))}
        if family:
            params["family"] = family.strip()
        if given:
            params["given"] = given.strip()
        if not (family or given):
            raise MssDirectoryError(
                "Précisez un nom ou un prénom pour chercher dans l'Annuaire Santé.",
                field="family",
            )
        return self._search("Practitioner", params, count).practitioners()[:count]

    def practitioners_by_mailbox(self, address: str) -> tuple[DirectoryPractitioner, ...]:
        """The professionals publishing the MSSanté mailbox ``address``."""
        params = {"mailbox-mss": address.strip(), **_WITH_ROLES}
        return self._search("Practitioner", params).practitioners()

    def organization_by_identifier(self, identifier: str) -> DirectoryOrganization | None:
        """The structure with this idNat_Struct (``1`` + FINESS, ``3`` + SIRET...)."""
        value = identifier.strip()
        if not _IDNAT_STRUCT.fullmatch(value):
            raise MssDirectoryError(
                f"Identifiant de structure invalide : « {identifier} ».",
                detail="expected an idNat_Struct (1 + FINESS, 3 + SIRET...)",
                field="identifier",
            )
        found = self._search(
            "Organization", {"identifier": f"{IDNAT_STRUCT_SYSTEM}|{value}"}
        ).organizations()
        return found[0] if found else None

    def search_organizations(
        self, *, name: str, count: int = 20
    ) -> tuple[DirectoryOrganization, ...]:
        """Structures whose name starts with ``name``."""
        if not name.strip():
            raise MssDirectoryError("Précisez le nom de la structure cherchée.", field="name")
        params = {"name": name.strip(), "_count": str(self._count(count))}
        return self._search("Organization", params, count).organizations()[:count]


_WITH_ROLES: Final = {
    "_revinclude": "PractitionerRole:practitioner",
    "_include:iterate": "PractitionerRole:organization",
}


def _diagnostics(body: bytes) -> str:
    """The OperationOutcome diagnostics of an error answer (else its first bytes)."""
    try:
        outcome = json.loads(body)
    except ValueError:
        return body[:200].decode("utf-8", "replace")
    issues = _list(_dict(outcome).get("issue"))
    texts = [_str(_dict(i).get("diagnostics")) for i in issues]
    return "; ".join(t for t in texts if t) or body[:200].decode("utf-8", "replace")
