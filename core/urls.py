from django.urls import path

from . import import_views

app_name = "core"

urlpatterns = [
    path("beheer/import/", import_views.reference_import, name="reference_import"),
]
