"""The OpenAPI document: committed, current, complete and published."""

from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.utils import translation
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiYamlRenderer

COMMITTED = Path(settings.BASE_DIR) / "openapi.yaml"
METHODS = {"get", "post", "put", "patch", "delete"}


def _generated() -> dict:
    with translation.override("en"):
        schema = SchemaGenerator().get_schema(request=None, public=True)
        return yaml.safe_load(OpenApiYamlRenderer().render(schema, renderer_context={}))


@pytest.fixture(scope="module")
def schema():
    return _generated()


def test_committed_openapi_yaml_is_current(schema):
    committed = yaml.safe_load(COMMITTED.read_text(encoding="utf-8"))
    assert committed == schema, "openapi.yaml is stale: run `make openapi` and commit the result."


def test_every_operation_has_a_summary_and_documented_errors(schema):
    missing = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if method not in METHODS:
                continue
            if not operation.get("summary") and not operation.get("description"):
                missing.append(f"{method.upper()} {path}: no summary")
            for status in ("401", "403"):
                if status not in operation["responses"]:
                    missing.append(f"{method.upper()} {path}: {status} undocumented")
            for parameter in operation.get("parameters", []):
                if not parameter.get("description"):
                    missing.append(f"{method.upper()} {path}: parameter {parameter['name']}")
    assert missing == []


def _undescribed(name, node, trail=""):
    found = []
    for prop, sub in (node.get("properties") or {}).items():
        where = f"{name}{trail}.{prop}"
        if "description" not in sub and "$ref" not in sub and "allOf" not in sub:
            found.append(where)
        found += _undescribed(name, sub, f"{trail}.{prop}")
        if isinstance(sub.get("items"), dict):
            found += _undescribed(name, sub["items"], f"{trail}.{prop}[]")
    return found


def test_every_field_has_a_description(schema):
    undescribed = []
    for name, component in schema["components"]["schemas"].items():
        undescribed += _undescribed(name, component)
    assert undescribed == []


def test_schema_is_published_in_json_and_yaml_without_login(client, db):
    as_json = client.get("/api/v1/openapi.json")
    assert as_json.status_code == 200
    assert as_json.json()["openapi"].startswith("3.")
    assert as_json["API-Version"] == settings.API_VERSION
    as_yaml = client.get("/api/v1/openapi.yaml")
    assert as_yaml.status_code == 200
    assert yaml.safe_load(as_yaml.content)["info"]["version"] == settings.API_VERSION


def test_interactive_documentation_page_is_served_from_local_assets(client, db):
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "swagger-ui" in page
    assert "cdn.jsdelivr" not in page
    assert "<script>" not in page and "<style>" not in page  # nothing inline (CSP)
    script = client.get("/api/v1/docs/?script=")
    assert script.status_code == 200
    assert "/api/v1/openapi.json" in script.content.decode()
