from django.urls import path

from .views import drop_in, privacy, questions, rules, screening, volunteers

app_name = "initiatives"

urlpatterns = [
    path("vrijwilligers/", volunteers.volunteer_list, name="volunteer_list"),
    path("vrijwilligers/nieuw/", volunteers.volunteer_create, name="volunteer_create"),
    path("vrijwilligers/<int:pk>/", volunteers.volunteer_detail, name="volunteer_detail"),
    path("vrijwilligers/<int:pk>/bewerken/", volunteers.volunteer_edit, name="volunteer_edit"),
    path("vrijwilligers/<int:pk>/status/", volunteers.volunteer_status, name="volunteer_status"),
    path("vrijwilligers/<int:pk>/intake/", screening.volunteer_intake, name="volunteer_intake"),
    path("vrijwilligers/<int:pk>/vog/", screening.vog_record, name="vog_record"),
    path("vrijwilligers/<int:pk>/training/", screening.training_record, name="training_record"),
    path(
        "vrijwilligers/<int:pk>/beschikbaarheid/",
        volunteers.availability_edit,
        name="availability_edit",
    ),
    # A volunteer's data on request
    path(
        "vrijwilligers/<int:pk>/gegevens/json/",
        privacy.volunteer_data_json,
        name="volunteer_data_json",
    ),
    path(
        "vrijwilligers/<int:pk>/gegevens/pdf/",
        privacy.volunteer_data_pdf,
        name="volunteer_data_pdf",
    ),
    path("vrijwilligers/<int:pk>/wissen/", privacy.volunteer_erase, name="volunteer_erase"),
    path(
        "initiatief/<int:pk>/instellingen/",
        rules.initiative_settings,
        name="initiative_settings",
    ),
    # A drop-in language café's sessions (headcounts only)
    path("projecten/<int:pk>/taalcafe/", drop_in.drop_in_sessions, name="drop_in_sessions"),
    # A programme's impact questions
    path("projecten/<int:pk>/vragen/", questions.programme_questions, name="programme_questions"),
    path(
        "projecten/vragen/<int:pk>/bewerken/",
        questions.question_edit,
        name="programme_question_edit",
    ),
    path(
        "projecten/vragen/<int:pk>/verplaatsen/",
        questions.question_move,
        name="programme_question_move",
    ),
    path(
        "projecten/vragen/<int:pk>/aan-uit/",
        questions.question_switch,
        name="programme_question_switch",
    ),
    path(
        "projecten/vragen/<int:pk>/verwijderen/",
        questions.question_delete,
        name="programme_question_delete",
    ),
]
