"""The REST API, version 1, under ``/api/v1/``.

Each app contributes its endpoints in ``<app>/api/urls.py``; this module adds
the OpenAPI document (``openapi.json`` and ``openapi.yaml``, Dutch API Design
Rules API-51) and the interactive documentation.
"""

from django.urls import include, path
from drf_spectacular.renderers import OpenApiJsonRenderer, OpenApiYamlRenderer
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts.api import urls as accounts_api
from initiatives.api import urls as initiatives_api
from municipality.api import urls as municipality_api
from referrals.api import urls as referrals_api
from reports.api import urls as reports_api
from schools.api import urls as schools_api


class SchemaJsonView(SpectacularAPIView):
    renderer_classes = [OpenApiJsonRenderer]
    authentication_classes = []
    permission_classes = []


class SchemaYamlView(SpectacularAPIView):
    renderer_classes = [OpenApiYamlRenderer]
    authentication_classes = []
    permission_classes = []


class DocsView(SpectacularSwaggerSplitView):
    """Swagger UI with its script in a separate file, for a strict Content Security Policy."""

    template_name = "api/docs.html"
    authentication_classes = []
    permission_classes = []


app_name = "api"

urlpatterns = [
    path("openapi.json", SchemaJsonView.as_view(), name="schema_json"),
    path("openapi.yaml", SchemaYamlView.as_view(), name="schema_yaml"),
    path("docs/", DocsView.as_view(url_name="api:schema_json"), name="docs"),
    path("", include(accounts_api)),
    path("", include(schools_api)),
    path("", include(initiatives_api)),
    path("", include(referrals_api)),
    path("", include(municipality_api)),
    path("", include(reports_api)),
]
