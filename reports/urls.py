from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("rapportages/", views.report_list, name="report_list"),
    path("rapportages/aanvragen/", views.report_request, name="report_request"),
    path("rapportages/<int:pk>/", views.report_detail, name="report_detail"),
    path("rapportages/<int:pk>/download/", views.report_download, name="report_download"),
    path("rapportages/<int:pk>/opnieuw/", views.report_retry, name="report_retry"),
    path(
        "rapportages/<int:pk>/export/<slug:table>.<str:fmt>",
        views.report_export,
        name="report_export",
    ),
]
