"""Matching pages: suggestions for a waiting pupil, a match by hand, the batch
proposal for a whole waitlist, and the matches themselves (list, detail, end,
replace the volunteer, group members).

Access: project leaders act on their own initiative's referrals and matches
(another initiative's: 404). A volunteer sees their own active matches and
nothing else (another volunteer's match: 404) and may not change them (403).
School referrers, municipal officials and outsiders get 403: the school sees
its referrals on its own pages.

``pupil`` holds the pages of one waiting pupil, ``proposal`` the batch
proposal for a whole waitlist, ``matches`` the pages of the matches
themselves. Reads come from ``referrals.selectors``, writes go through
``referrals.services``.
"""

from django.urls import path

from .matches import (
    add_participant,
    end,
    match_detail,
    match_list,
    remove_participant,
    replace,
)
from .proposal import batch
from .pupil import availability, create, suggestions

urlpatterns = [
    path("koppelingen/", match_list, name="match_list"),
    path("koppelingen/<int:pk>/", match_detail, name="match_detail"),
    path("koppelingen/<int:pk>/beeindigen/", end, name="match_end"),
    path("koppelingen/<int:pk>/vervangen/", replace, name="match_replace"),
    path("koppelingen/<int:pk>/deelnemers/", add_participant, name="match_add_participant"),
    path(
        "koppelingen/<int:pk>/deelnemers/<int:participant_pk>/uitschrijven/",
        remove_participant,
        name="match_remove_participant",
    ),
    path("koppelingen/aanmelding/<int:pk>/", suggestions, name="match_suggestions"),
    path("koppelingen/aanmelding/<int:pk>/nieuw/", create, name="match_create"),
    path(
        "koppelingen/aanmelding/<int:pk>/beschikbaarheid/",
        availability,
        name="pupil_availability",
    ),
    path("koppelingen/programma/<int:pk>/", batch, name="match_batch"),
]
