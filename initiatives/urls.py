from django.urls import path

from . import views

app_name = "initiatives"

urlpatterns = [
    path("vrijwilligers/", views.volunteer_list, name="volunteer_list"),
    path("vrijwilligers/nieuw/", views.volunteer_create, name="volunteer_create"),
    path("vrijwilligers/<int:pk>/", views.volunteer_detail, name="volunteer_detail"),
    path("vrijwilligers/<int:pk>/bewerken/", views.volunteer_edit, name="volunteer_edit"),
    path("vrijwilligers/<int:pk>/status/", views.volunteer_status, name="volunteer_status"),
    path("vrijwilligers/<int:pk>/intake/", views.volunteer_intake, name="volunteer_intake"),
    path("vrijwilligers/<int:pk>/vog/", views.vog_record, name="vog_record"),
    path("vrijwilligers/<int:pk>/training/", views.training_record, name="training_record"),
    path(
        "vrijwilligers/<int:pk>/beschikbaarheid/",
        views.availability_edit,
        name="availability_edit",
    ),
    path(
        "initiatief/<int:pk>/instellingen/",
        views.initiative_settings,
        name="initiative_settings",
    ),
]
