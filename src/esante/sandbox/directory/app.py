"""The sandbox's Annuaire Santé: a small FHIR R4 read/search API over the demo professionals.

Like the ANS API (``/fhir/v2/``), every request must carry the ``ESANTE-API-KEY``
header (the key given to :func:`create_directory_app`; a missing or wrong key gets 401).
Served, as ``application/fhir+json``:

* ``GET /fhir/v2/metadata`` — a CapabilityStatement of what is below;
* ``GET /fhir/v2/{Practitioner|PractitionerRole|Organization}/{id}`` — one resource;
* ``GET /fhir/v2/Practitioner?…`` — ``_id``, ``identifier`` (``system|value``),
  ``family``, ``given``, ``name``, ``mailbox-mss``, ``active``;
* ``GET /fhir/v2/PractitionerRole?…`` — ``_id``, ``practitioner``, ``organization``,
  ``active``;
* ``GET /fhir/v2/Organization?…`` — ``_id``, ``identifier``, ``name``, ``mailbox-mss``,
  ``active``.

String parameters match the start of a word ignoring case and accents (FHIR default),
``:exact`` and ``:contains`` are supported; comma-separated values are alternatives,
repeated parameters must all match. ``_revinclude=PractitionerRole:practitioner``,
``_include[:iterate]=PractitionerRole:organization``,
``_include=PractitionerRole:practitioner`` and
``_revinclude=PractitionerRole:organization`` add the linked resources. Results come by
pages of ``_count`` (default 50, at most 100) with a ``next`` link. An unknown parameter
gets 400 (a sandbox should reveal a client's mistakes rather than ignore them).
The app logs nothing.
"""

from __future__ import annotations

import hmac
import json
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Final
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from esante.demo import DemoDataset, demo_dataset
from esante.sandbox.directory.resources import (
    EMAIL_TYPE_URL,
    directory_resources,
)
from esante.sandbox.dmp.errors import SandboxError

__all__ = ["API_KEY_HEADER", "FHIR_BASE_PATH", "create_directory_app"]

API_KEY_HEADER: Final = "ESANTE-API-KEY"
FHIR_BASE_PATH: Final = "/fhir/v2"
FHIR_JSON: Final = "application/fhir+json; charset=utf-8"
DEFAULT_COUNT: Final = 50
MAX_COUNT: Final = 100

Resource = dict[str, Any]
_SEARCH: Final[dict[str, frozenset[str]]] = {
    "Practitioner": frozenset(
        {"_id", "identifier", "family", "given", "name", "mailbox-mss", "active"}
    ),
    "PractitionerRole": frozenset({"_id", "practitioner", "organization", "active"}),
    "Organization": frozenset({"_id", "identifier", "name", "mailbox-mss", "active"}),
}
_INCLUDES: Final[dict[str, frozenset[str]]] = {
    "Practitioner": frozenset(
        {
            "_revinclude=PractitionerRole:practitioner",
            "_include:iterate=PractitionerRole:organization",
        }
    ),
    "PractitionerRole": frozenset(
        {"_include=PractitionerRole:organization", "_include=PractitionerRole:practitioner"}
    ),
    "Organization": frozenset({"_revinclude=PractitionerRole:organization"}),
}


class _UnsupportedSearchError(SandboxError):
    """A search the sandbox refuses (400), with a French explanation."""


def _fold(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text)
    return "".join(c for c in plain if not unicodedata.combining(c)).casefold()


def _outcome(status: int, code: str, diagnostics: str) -> Response:
    body = {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": code, "diagnostics": diagnostics}],
    }
    return Response(json.dumps(body, ensure_ascii=False), status_code=status, media_type=FHIR_JSON)


def _json(resource: Resource) -> Response:
    return Response(json.dumps(resource, ensure_ascii=False), media_type=FHIR_JSON)


# --- matching -----------------------------------------------------------------------------


def _string_match(candidates: Iterable[str], wanted: str, modifier: str) -> bool:
    target = _fold(wanted.strip())
    for candidate in candidates:
        value = _fold(candidate)
        if modifier == "exact" and candidate == wanted:
            return True
        if modifier == "contains" and target in value:
            return True
        if modifier == "" and any(w.startswith(target) for w in (value, *value.split())):
            return True
    return False


def _identifiers(resource: Resource) -> list[tuple[str, str]]:
    return [(i.get("system", ""), i.get("value", "")) for i in resource.get("identifier", [])]


def _token_match(resource: Resource, wanted: str) -> bool:
    system, bar, value = wanted.partition("|")
    if not bar:
        return any(v == wanted for _, v in _identifiers(resource))
    return any(
        (not system or s == system) and (not value or v == value) for s, v in _identifiers(resource)
    )


def _mailboxes(resource: Resource) -> list[str]:
    return [
        t.get("value", "")
        for t in resource.get("telecom", [])
        if t.get("system") == "email"
        and any(e.get("url") == EMAIL_TYPE_URL for e in t.get("extension", []))
    ]


def _names(resource: Resource, part: str) -> list[str]:
    found: list[str] = []
    for name in resource.get("name", []) if isinstance(resource.get("name"), list) else []:
        if part in ("family", "name") and name.get("family"):
            found.append(name["family"])
        if part in ("given", "name"):
            found.extend(name.get("given", []))
        if part == "name":
            found.extend(name.get("prefix", []))
    if part == "name" and isinstance(resource.get("name"), str):
        found.append(resource["name"])
    return found


def _reference_match(resource: Resource, element: str, wanted: str) -> bool:
    reference = str(resource.get(element, {}).get("reference", ""))
    return reference == wanted or reference.rpartition("/")[2] == wanted


def _matches(resource: Resource, name: str, modifier: str, value: str) -> bool:
    if name == "_id":
        return bool(resource.get("id") == value)
    if name == "identifier":
        return _token_match(resource, value)
    if name in ("family", "given", "name"):
        return _string_match(_names(resource, name), value, modifier)
    if name == "mailbox-mss":
        return _string_match(_mailboxes(resource), value, modifier)
    if name == "active":
        return str(resource.get("active", True)).lower() == value.lower()
    return _reference_match(resource, name, value)


# --- the app ------------------------------------------------------------------------------


class _Directory:
    def __init__(self, data: DemoDataset) -> None:
        self.resources = directory_resources(data)
        self.by_id = {kind: {r["id"]: r for r in items} for kind, items in self.resources.items()}

    def search(
        self, kind: str, params: Sequence[tuple[str, str]]
    ) -> tuple[list[Resource], int, int, list[str]]:
        criteria: list[tuple[str, str, list[str]]] = []
        includes: list[str] = []
        count, offset = DEFAULT_COUNT, 0
        for key, value in params:
            if key in ("_include", "_include:iterate", "_revinclude"):
                if f"{key}={value}" not in _INCLUDES[kind]:
                    raise _UnsupportedSearchError(f"Inclusion non prise en charge : {key}={value}.")
                includes.append(f"{key}={value}")
                continue
            if key == "_format":
                if value not in ("json", "application/fhir+json", "application/json"):
                    raise _UnsupportedSearchError("Seul le format JSON est disponible.")
                continue
            if key in ("_count", "_offset"):
                if not value.isdigit():
                    raise _UnsupportedSearchError(f"Valeur numérique attendue pour {key}.")
                if key == "_count":
                    count = max(1, min(int(value), MAX_COUNT))
                else:
                    offset = int(value)
                continue
            name, _, modifier = key.partition(":")
            if name not in _SEARCH[kind] or modifier not in ("", "exact", "contains"):
                raise _UnsupportedSearchError(f"Paramètre de recherche non pris en charge : {key}.")
            criteria.append((name, modifier, [v for v in value.split(",") if v]))
        matched = [
            r
            for r in self.resources[kind]
            if all(any(_matches(r, n, m, v) for v in values) for n, m, values in criteria)
        ]
        return matched, count, offset, includes

    def included(
        self, kind: str, page: Sequence[Resource], includes: Sequence[str]
    ) -> list[Resource]:
        ids = {r["id"] for r in page}
        extra: list[Resource] = []
        roles: list[Resource] = []
        if kind == "Practitioner" and "_revinclude=PractitionerRole:practitioner" in includes:
            roles = [
                r for r in self.resources["PractitionerRole"] if _ref_id(r, "practitioner") in ids
            ]
            extra += roles
        if kind == "PractitionerRole":
            roles = list(page)
        if kind == "Organization" and "_revinclude=PractitionerRole:organization" in includes:
            extra += [
                r for r in self.resources["PractitionerRole"] if _ref_id(r, "organization") in ids
            ]
        wanted_orgs = (
            "_include:iterate=PractitionerRole:organization" in includes
            or "_include=PractitionerRole:organization" in includes
        )
        if wanted_orgs:
            org_ids = dict.fromkeys(_ref_id(r, "organization") for r in roles)
            extra += [
                self.by_id["Organization"][i] for i in org_ids if i in self.by_id["Organization"]
            ]
        if kind == "PractitionerRole" and "_include=PractitionerRole:practitioner" in includes:
            people = dict.fromkeys(_ref_id(r, "practitioner") for r in roles)
            extra += [
                self.by_id["Practitioner"][i] for i in people if i in self.by_id["Practitioner"]
            ]
        return extra


def _ref_id(resource: Resource, element: str) -> str:
    return str(resource.get(element, {}).get("reference", "")).rpartition("/")[2]


def _capability() -> Resource:
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "kind": "instance",
        "fhirVersion": "4.0.1",
        "format": ["application/fhir+json"],
        "rest": [
            {
                "mode": "server",
                "resource": [
                    {
                        "type": kind,
                        "interaction": [{"code": "read"}, {"code": "search-type"}],
                        "searchParam": [{"name": p} for p in sorted(params)],
                    }
                    for kind, params in _SEARCH.items()
                ],
            }
        ],
    }


def create_directory_app(api_key: str, *, dataset: DemoDataset | None = None) -> Starlette:
    """The sandbox directory as an ASGI app; requests need ``ESANTE-API-KEY: api_key``."""
    if not api_key.strip():
        raise SandboxError(
            "L'annuaire du bac à sable a besoin d'une clé d'API.",
            detail="empty api_key",
            field="api_key",
        )
    expected = api_key.encode("utf-8")
    directory = _Directory(dataset or demo_dataset())

    def guarded(handler: Callable[[Request], Response]) -> Callable[[Request], Any]:
        async def endpoint(request: Request) -> Response:
            given = request.headers.get(API_KEY_HEADER, "").encode("utf-8")
            if not hmac.compare_digest(given, expected):
                return _outcome(401, "security", "Clé d'API ESANTE-API-KEY absente ou invalide.")
            try:
                return handler(request)
            except _UnsupportedSearchError as exc:
                return _outcome(400, "not-supported", exc.message)

        return endpoint

    def metadata(request: Request) -> Response:
        return _json(_capability())

    def read(request: Request) -> Response:
        kind, identifier = request.path_params["kind"], request.path_params["id"]
        found = directory.by_id.get(kind, {}).get(identifier)
        if found is None:
            return _outcome(404, "not-found", f"Ressource inconnue : {kind}/{identifier}.")
        return _json(found)

    def search(request: Request) -> Response:
        kind = request.path_params["kind"]
        if kind not in _SEARCH:
            return _outcome(404, "not-found", f"Type de ressource non servi : {kind}.")
        params = request.query_params.multi_items()
        matched, count, offset, includes = directory.search(kind, params)
        page = matched[offset : offset + count]
        base = f"{str(request.base_url).rstrip('/')}{FHIR_BASE_PATH}/"
        entries = [
            {"fullUrl": f"{base}{kind}/{r['id']}", "resource": r, "search": {"mode": "match"}}
            for r in page
        ] + [
            {
                "fullUrl": f"{base}{r['resourceType']}/{r['id']}",
                "resource": r,
                "search": {"mode": "include"},
            }
            for r in directory.included(kind, page, includes)
        ]
        kept = [(k, v) for k, v in params if k not in ("_offset", "_count")]
        links = [{"relation": "self", "url": str(request.url)}]
        if offset + count < len(matched):
            query = urlencode([*kept, ("_count", str(count)), ("_offset", str(offset + count))])
            links.append({"relation": "next", "url": f"{base}{kind}?{query}"})
        return _json(
            {
                "resourceType": "Bundle",
                "type": "searchset",
                "total": len(matched),
                "link": links,
                "entry": entries,
            }
        )

    return Starlette(
        routes=[
            Route(f"{FHIR_BASE_PATH}/metadata", guarded(metadata), methods=["GET"]),
            Route(f"{FHIR_BASE_PATH}/{{kind}}", guarded(search), methods=["GET"]),
            Route(f"{FHIR_BASE_PATH}/{{kind}}/{{id}}", guarded(read), methods=["GET"]),
        ]
    )
