"""``GET /docs``: the API reference as one self-contained French HTML page.

FastAPI's default Swagger UI and ReDoc pages load their JavaScript from a CDN, which is
unreachable on the isolated machines esante runs on (and a third-party script in a
health application is a liability anyway). This page is rendered on the server from the
same OpenAPI schema as ``/openapi.json``: every route with its parameters, request body
and answers, then every schema with its fields. No script, no external resource.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, select_autoescape

router = APIRouter(include_in_schema=False)

_METHODS = ("get", "post", "put", "patch", "delete")


@cache
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("esante.web.api", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def schema_name(schema: dict[str, Any]) -> str:
    """A readable type for a JSON schema fragment (``PatientPublic``, ``list[int]``...)."""
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    if "anyOf" in schema:
        return " | ".join(schema_name(s) for s in schema["anyOf"])
    if "enum" in schema:
        return " | ".join(str(v) for v in schema["enum"])
    if "const" in schema:
        return str(schema["const"])
    kind = schema.get("type", "")
    if kind == "array":
        return f"list[{schema_name(schema.get('items', {}))}]"
    fmt = schema.get("format")
    return f"{kind} ({fmt})" if fmt else str(kind or "objet")


def operations(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """The operations of ``spec`` grouped by tag, in declaration order."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for path, item in spec.get("paths", {}).items():
        for method in _METHODS:
            op = item.get(method)
            if op is None:
                continue
            content = op.get("requestBody", {}).get("content", {})
            body = content.get("application/json") or content.get("application/xml") or {}
            groups.setdefault((op.get("tags") or ["autres"])[0], []).append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": op.get("summary", ""),
                    "description": op.get("description", ""),
                    "parameters": [
                        {
                            "name": p["name"],
                            "where": {"path": "chemin", "query": "requête"}.get(p["in"], p["in"]),
                            "required": p.get("required", False),
                            "type": schema_name(p.get("schema", {})),
                            "description": p.get("description", ""),
                        }
                        for p in op.get("parameters", [])
                    ],
                    "body": schema_name(body["schema"]) if body else None,
                    "responses": [
                        {
                            "code": code,
                            "description": answer.get("description", ""),
                            "type": schema_name(
                                answer.get("content", {})
                                .get("application/json", {})
                                .get("schema", {})
                            )
                            if answer.get("content")
                            else "",
                        }
                        for code, answer in op.get("responses", {}).items()
                    ],
                }
            )
    return [{"tag": tag, "operations": ops} for tag, ops in groups.items()]


def schemas(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """The component schemas of ``spec`` with their fields."""
    found = []
    for name, schema in sorted(spec.get("components", {}).get("schemas", {}).items()):
        required = set(schema.get("required", []))
        found.append(
            {
                "name": name,
                "description": schema.get("description", ""),
                "fields": [
                    {
                        "name": field,
                        "type": schema_name(prop),
                        "required": field in required,
                        "description": prop.get("description", ""),
                    }
                    for field, prop in schema.get("properties", {}).items()
                ],
            }
        )
    return found


def render_docs(spec: dict[str, Any]) -> str:
    """The reference page for an OpenAPI ``spec``."""
    template = _environment().get_template("docs.html")
    return template.render(
        info=spec.get("info", {}),
        groups=operations(spec),
        schemas=schemas(spec),
        openapi_url="/openapi.json",
    )


@router.get("/docs", response_class=HTMLResponse)
def docs(request: Request) -> HTMLResponse:
    """The API reference (HTML, French, offline)."""
    return HTMLResponse(render_docs(request.app.openapi()))
