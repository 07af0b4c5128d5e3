"""The OpenAPI document describes every API route, and only real routes."""

import json
import re
from pathlib import Path

from tracker.api.openapi import document


def _routes(app) -> set[tuple[str, str]]:
    found = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/"):
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule.removeprefix("/api/v1"))
            found |= {(path, m.lower()) for m in rule.methods - {"HEAD", "OPTIONS"}}
    return found


def test_every_route_is_documented_and_every_documented_path_is_a_route(app):
    documented = {(p, m) for p, ops in document()["paths"].items() for m in ops}
    routes = _routes(app)
    assert routes - documented == set(), "routes missing from the OpenAPI document"
    assert documented - routes == set(), "documented paths with no route"


def test_every_path_parameter_is_declared(app):
    for path, ops in document()["paths"].items():
        names = set(re.findall(r"{(\w+)}", path))
        for method, op in ops.items():
            declared = {p["name"] for p in op["parameters"] if p["in"] == "path"}
            assert declared == names, (method, path)
            assert "200" in op["responses"] or "201" in op["responses"] or "204" in op["responses"]


def test_the_document_is_served(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    body = response.get_json()
    assert body["openapi"].startswith("3.1") and "/responses/{response_id}" in body["paths"]


def test_the_document_describes_the_same_operations_as_before_the_pydantic_models():
    """Every path, method and response status of the hand-written document (issue #18), kept
    in openapi_operations.json: the models describe the same API."""
    before = json.loads((Path(__file__).parent / "openapi_operations.json").read_text())
    now = {
        path: {method: sorted(op["responses"]) for method, op in ops.items()}
        for path, ops in document()["paths"].items()
    }
    assert now == before
