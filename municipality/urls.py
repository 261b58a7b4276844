from django.urls import path

from .dashboards.views import urlpatterns as dashboard_urlpatterns
from .views import agreements

app_name = "municipality"

urlpatterns = [
    path("financiering/", agreements.agreement_list, name="agreement_list"),
    path("financiering/nieuw/", agreements.agreement_create, name="agreement_create"),
    path("financiering/financiers/nieuw/", agreements.funder_create, name="funder_create"),
    path("financiering/<int:pk>/", agreements.agreement_detail, name="agreement_detail"),
    path("financiering/<int:pk>/bewerken/", agreements.agreement_edit, name="agreement_edit"),
    path(
        "financiering/<int:pk>/verantwoording/",
        agreements.accountability_text,
        name="accountability_text",
    ),
]
# The dashboards list their own URLs.
urlpatterns += dashboard_urlpatterns
