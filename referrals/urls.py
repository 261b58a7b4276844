from django.urls import path

from .views import (
    adults_leader,
    attention,
    client_manager,
    evaluations,
    leader,
    matching,
    privacy,
    school,
    sessions,
)

app_name = "referrals"

urlpatterns = [
    # Client manager (klantmanager): adult newcomers
    path("klantmanager/", client_manager.referral_list, name="client_manager_list"),
    path("klantmanager/nieuw/", client_manager.referral_create, name="client_manager_create"),
    path("klantmanager/<int:pk>/", client_manager.referral_detail, name="client_manager_detail"),
    path(
        "klantmanager/<int:pk>/bewerken/",
        client_manager.referral_edit,
        name="client_manager_edit",
    ),
    # School referrer (IB'er)
    path("aanmeldingen/", school.referral_list, name="school_list"),
    path("aanmeldingen/nieuw/", school.referral_create, name="school_create"),
    path("aanmeldingen/<int:pk>/", school.referral_detail, name="school_detail"),
    path("aanmeldingen/<int:pk>/bewerken/", school.referral_edit, name="school_edit"),
    path("aanmeldingen/<int:pk>/intrekken/", school.referral_withdraw, name="school_withdraw"),
    path("aanmeldingen/plaatsen/", school.places_left_fragment, name="school_places"),
    # Project leader
    path("intake/", leader.inbox, name="inbox"),
    path("intake/nieuw/", leader.referral_create, name="leader_create"),
    path(
        "intake/volwassene/nieuw/",
        adults_leader.adult_referral_create,
        name="leader_adult_create",
    ),
    path("intake/<int:pk>/", leader.referral_detail, name="leader_detail"),
    path(
        "intake/<int:pk>/uitvalsignaal/",
        adults_leader.drop_out_signal,
        name="leader_drop_out_signal",
    ),
    path(
        "koppelingen/<int:pk>/checkin-coach/",
        adults_leader.coach_check_in,
        name="leader_coach_check_in",
    ),
    path("intake/<int:pk>/accepteren/", leader.referral_accept, name="leader_accept"),
    path("intake/<int:pk>/afwijzen/", leader.referral_decline, name="leader_decline"),
    path("intake/<int:pk>/gesprek/", leader.meeting_plan, name="leader_meeting_plan"),
    path(
        "intake/<int:pk>/gesprek/<int:meeting_pk>/verslag/",
        leader.meeting_outcome,
        name="leader_meeting_outcome",
    ),
    path("intake/<int:pk>/wachtlijst/", leader.referral_waitlist, name="leader_waitlist"),
    path("intake/<int:pk>/prioriteit/", leader.referral_priority, name="leader_priority"),
    path("intake/<int:pk>/intrekken/", leader.referral_withdraw, name="leader_withdraw"),
    path("wachtlijst/", leader.waitlist, name="waitlist"),
]
# Matching, contact moments, evaluations, 'needs attention' and a pupil's
# data on request: each views module lists its own URLs.
urlpatterns += matching.urlpatterns
urlpatterns += sessions.urlpatterns
urlpatterns += evaluations.urlpatterns
urlpatterns += attention.urlpatterns
urlpatterns += privacy.urlpatterns
