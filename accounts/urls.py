from django.urls import path

from . import api_token_views, views

urlpatterns = [
    path("invite/", views.invite, name="accounts_invite"),
    path("team/", views.team, name="accounts_team"),
    path("team/<int:pk>/end/", views.membership_end, name="accounts_membership_end"),
    path("api-tokens/", api_token_views.api_tokens, name="accounts_api_tokens"),
    path(
        "api-tokens/<int:pk>/revoke/",
        api_token_views.api_token_revoke_view,
        name="accounts_api_token_revoke",
    ),
]
