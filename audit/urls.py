from django.urls import path

from . import views

app_name = "audit"

urlpatterns = [
    path("", views.log_search, name="log"),
    path("pupils/<int:pk>/", views.pupil_log, name="pupil_log"),
    path("volunteers/<int:pk>/", views.volunteer_log, name="volunteer_log"),
]
