# ruff: noqa: E501 (a table reads best one URL pattern a line)
"""The expected answer of every URL pattern to every persona (issue 7).

``tests/test_authorization_matrix.py`` asks each URL pattern of the project
once per persona and compares the answer with the row below. A URL pattern
without a row (or a reason in ``SKIPPED``) fails the test, and so does a row
for a URL pattern that no longer exists: nothing is added unprotected.

A row is ``name method arguments`` followed by one outcome per persona, in
the order of ``PERSONAS``:

- ``name``: the URL name with its namespace (``referrals:school_detail``); a
  pattern without a name is written as its route (``accounts/social/signup/``).
- ``method``: ``GET``, or ``POST`` for a view that only takes POST (sent with
  an empty body; a persona for whom that is not ``ok`` must change nothing).
- ``arguments``: the URL's keyword arguments, ``-`` for none. A value names
  one of world a's objects (``pk=referral``: the pk of ``world.a.referral``,
  see ``test_authorization_matrix.side_a_objects``); any other value is used
  as it is (``fmt=xlsx``).

Outcomes:

- ``ok``: 2xx, or a redirect to a page other than a login page;
- ``login``: a redirect to the login page (pages) or 401 (API);
- ``403`` (denied), ``404`` (hidden), ``405`` (method not allowed);
- ``400``: allowed, but the empty POST is refused as invalid input;
- any other status code as it is (a ``500`` would be a bug).

The personas (columns): anonymous; a deactivated user (with a project
leader membership of initiative a); project leader, volunteer, school
referrer, municipal official and privacy officer of side a and of side b
(``world.a`` and ``world.b`` of the conftest); the administrator
(``world.superuser``); and the outsider (signed in, no membership).

Side a's objects are asked for: a column of side b must therefore never be
``ok`` on a page that shows a's personal data; the test also checks that
no answer to a side-b persona (or to anyone not of side a) names a's pupils,
guardian or volunteer. A cell that shows a bug is marked ``# BUG:`` with
the observed value, for the lead to fix in the application.
"""

from __future__ import annotations

from dataclasses import dataclass, field

PERSONAS = (
    "anon",
    "inactive",
    "leader_a",
    "leader_b",
    "volunteer_a",
    "volunteer_b",
    "referrer_a",
    "referrer_b",
    "official_a",
    "official_b",
    "client_a",
    "client_b",
    "privacy_a",
    "privacy_b",
    "admin",
    "outsider",
)

# Personas that may see nothing of side a (their answers are searched for a's names).
NOT_OF_SIDE_A = (
    "anon",
    "inactive",
    "leader_b",
    "volunteer_b",
    "referrer_b",
    "official_b",
    "client_b",
    "privacy_b",
    "outsider",
)

ALL = frozenset({"pupil", "guardian", "waiting_pupil", "volunteer", "adult"})
# Which of side a's personal data each persona may be shown (groups of
# ``personal_data_of_side_a``: the matched pupil, their guardian, the pupil on
# the waitlist, the volunteer, the adult newcomer). A persona not named here
# may be shown none of it; any answer that shows more is a leak.
MAY_BE_SHOWN = {
    "leader_a": ALL,
    "admin": ALL,
    # the log pages name the people whose records were processed
    "privacy_a": ALL,
    # their own record, and the pupil they are matched with: not the guardian,
    # the initiative's waitlist or the adult newcomer
    "volunteer_a": frozenset({"volunteer", "pupil"}),
    # the pupil their school referred, with the guardians they entered: not the volunteer
    "referrer_a": frozenset({"pupil", "guardian"}),
    # the adult newcomer they referred: never the coach (volunteer) nor a school's pupil
    "client_a": frozenset({"adult"}),
    # official_a (aggregates only), privacy_b and everyone of side b: nothing
}

OUTCOMES = {"ok", "login", "400", "403", "404", "405"}

# URL patterns not in the matrix, each with the reason. A key ending in "*"
# covers every name (or route) that starts with what comes before it.
SKIPPED = {
    "admin:*": (
        "Django's admin: tested by test_admin_sends_everyone_but_staff_to_its_login "
        "(every admin page without arguments) instead of one row per pattern"
    ),
    "admin/*": "Django's admin: its unnamed patterns (old change addresses, the catch-all)",
    "health": "public by design: the load balancer's health check (core.tests.test_health)",
    "set_language": "framework: Django's i18n language switch, public by design",
    "api:schema_json": "public by design: the OpenAPI document (tests/test_openapi.py)",
    "api:schema_yaml": "public by design: the OpenAPI document (tests/test_openapi.py)",
    "api:docs": "public by design: the API documentation page (tests/test_openapi.py)",
    "account_login": "allauth: the login page, public by design",
    "account_signup": "allauth: signup, public by design (closed by accounts.adapter)",
    "account_confirm_login_code": "allauth: part of logging in, public by design",
    "account_reset_password": "allauth: password reset, public by design",
    "account_reset_password_done": "allauth: password reset, public by design",
    "account_reset_password_from_key": "allauth: password reset link (needs a real key)",
    "account_reset_password_from_key_done": "allauth: password reset, public by design",
    "account_confirm_email": "allauth: e-mail confirmation link (needs a real key)",
    "account_email_verification_sent": "allauth: public notice after signup",
    "account_inactive": "allauth: the public 'account inactive' notice",
    "mfa_authenticate": "allauth: the second step of logging in (public, needs a login in progress)",
    "openid_connect_login": "allauth: starts the OIDC login, public by design (accounts.tests.test_oidc)",
    "openid_connect_callback": "allauth: the OIDC provider's return, public by design (accounts.tests.test_oidc)",
    "socialaccount_login_cancelled": "allauth: public notice during an OIDC login",
    "socialaccount_login_error": "allauth: public notice during an OIDC login",
    "socialaccount_signup": "allauth: part of an OIDC login, public by design",
    "accounts/social/login/cancelled/": "allauth: old address, redirects to the 3rdparty page",
    "accounts/social/login/error/": "allauth: old address, redirects to the 3rdparty page",
    "accounts/social/signup/": "allauth: old address, redirects to the 3rdparty page",
    "accounts/social/connections/": "allauth: old address, redirects to the 3rdparty page",
}

# Admin pages the administrator too is refused (403), each with the reason;
# every other admin page without arguments is "ok" for them and "login" for
# everyone else (test_admin_sends_everyone_but_staff_to_its_login).
ADMIN_REFUSED_TO_SUPERUSER = {
    "/admin/autocomplete/": "answers only with the app, model and field to complete",
    "/admin/accounts/invitation/add/": "invitations are sent from the team page (accounts.services)",
    "/admin/accounts/apitoken/add/": "a token is made by its owner, who sees the secret once",
    "/admin/initiatives/volunteerstatuschange/add/": "history written by the services only",
    "/admin/referrals/referralstatuschange/add/": "history written by the services only",
    "/admin/referrals/prioritychange/add/": "history written by the services only",
}

TABLE = """
# --- Pages of every signed-in user, and public pages ------
#                                                                               anon   inact  lead_a lead_b vol_a  vol_b  ref_a  ref_b  off_a  off_b  cm_a   cm_b   priv_a priv_b admin  outs
accessibility                          GET  -                                   ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok
home                                   GET  -                                   login  login  ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok
privacy                                GET  -                                   ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok

# --- Accounts: own account pages (allauth), team, invitations, API tokens
#                                                                               anon   inact  lead_a lead_b vol_a  vol_b  ref_a  ref_b  off_a  off_b  cm_a   cm_b   priv_a priv_b admin  outs
account_change_password                GET  -                                   login  login  ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok
account_confirm_reauthentication_code  GET  -                                   login  login  ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok
account_email                          GET  -                                   login  login  ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok
account_logout                         GET  -                                   login  login  ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok
account_reauthenticate                 GET  -                                   login  login  ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok
account_request_reauthentication_code  GET  -                                   login  login  ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok
account_set_password                   GET  -                                   login  login  ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok
accounts_api_token_revoke              POST pk=token                            login  login  ok     404    404    404    404    404    404    404    404    404    404    404    404    404
accounts_api_tokens                    GET  -                                   login  login  ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok
accounts_invite                        GET  -                                   login  login  ok     ok     403    403    403    403    403    403    403    403    403    403    ok     403
accounts_membership_end                POST pk=membership                       login  login  ok     404    404    404    404    404    404    404    404    404    404    404    404    404
accounts_team                          GET  -                                   login  login  ok     ok     403    403    403    403    403    403    403    403    403    403    403    403
mfa_activate_totp                      GET  -                                   login  login  ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok
mfa_add_webauthn                       GET  -                                   login  login  ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok
mfa_deactivate_totp                    GET  -                                   login  login  ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok
mfa_download_recovery_codes            GET  -                                   login  login  404    404    404    404    404    404    404    404    404    404    404    404    404    404
mfa_edit_webauthn                      GET  pk=webauthn                         login  login  404    404    404    404    404    404    404    404    404    404    404    404    404    404
mfa_generate_recovery_codes            GET  -                                   login  login  ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok
mfa_index                              GET  -                                   login  login  ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok
mfa_list_webauthn                      GET  -                                   login  login  ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok
mfa_reauthenticate                     GET  -                                   login  login  ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok
mfa_reauthenticate_webauthn            GET  -                                   login  login  ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok
mfa_remove_webauthn                    GET  pk=webauthn                         login  login  404    404    404    404    404    404    404    404    404    404    404    404    404    404
mfa_view_recovery_codes                GET  -                                   login  login  404    404    404    404    404    404    404    404    404    404    404    404    404    404
socialaccount_connections              GET  -                                   login  login  ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok

# --- The API ----------------------------------------------
#                                                                               anon   inact  lead_a lead_b vol_a  vol_b  ref_a  ref_b  off_a  off_b  cm_a   cm_b   priv_a priv_b admin  outs
api:contact-moment-detail              GET  pk=contact_moment                   login  login  ok     404    ok     404    404    404    404    404    404    404    404    404    ok     404
api:contact-moment-list                GET  -                                   login  login  ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok
api:evaluation-detail                  GET  pk=evaluation                       login  login  ok     404    404    404    404    404    404    404    404    404    404    404    ok     404
api:evaluation-list                    GET  -                                   login  login  ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok
api:funder-detail                      GET  pk=funder                           login  login  ok     404    403    403    403    403    ok     404    403    403    403    403    ok     403
api:funder-list                        GET  -                                   login  login  ok     ok     403    403    403    403    ok     ok     403    403    403    403    ok     403
api:funding-agreement-detail           GET  pk=agreement                        login  login  ok     404    403    403    403    403    ok     404    403    403    403    403    ok     403
api:funding-agreement-list             GET  -                                   login  login  ok     ok     403    403    403    403    ok     ok     403    403    403    403    ok     403
api:impact-measurement-detail          GET  pk=impact                           login  login  ok     404    404    404    404    404    404    404    404    404    404    404    ok     404
api:impact-measurement-list            GET  -                                   login  login  ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok
api:indicator-list                     GET  -                                   login  login  ok     ok     403    403    403    403    ok     ok     403    403    403    403    ok     403
api:match-add-participant              POST pk=match                            login  login  400    404    403    404    404    404    404    404    404    404    404    404    400    404
api:match-detail                       GET  pk=match                            login  login  ok     404    ok     404    404    404    404    404    404    404    404    404    ok     404
api:match-end                          POST pk=match                            login  login  400    404    403    404    404    404    404    404    404    404    404    404    400    404
api:match-list                         GET  -                                   login  login  ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok
api:match-remove-participant           POST pk=match,participant_id=participant login  login  400    404    403    404    404    404    404    404    404    404    404    404    400    404
api:match-replace-volunteer            POST pk=match                            login  login  400    404    403    404    404    404    404    404    404    404    404    404    400    404
api:match-suggestions                  GET  ?referral=unmatched_referral        login  login  ok     404    403    403    403    403    403    403    403    403    403    403    ok     403
api:me                                 GET  -                                   login  login  ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok
api:programme-detail                   GET  pk=programme                        login  login  ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok
api:programme-list                     GET  -                                   login  login  ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok
api:pupil-detail                       GET  pk=pupil                            login  login  ok     404    ok     404    ok     404    404    404    404    404    404    404    ok     404
api:pupil-list                         GET  -                                   login  login  ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok
api:referral-accept                    POST pk=referral                         login  login  409    404    404    404    403    404    404    404    404    404    404    404    409    404
api:referral-action-plan               POST pk=referral                         login  login  400    404    404    404    403    404    404    404    404    404    404    404    400    404
api:referral-adults                    POST -                                   login  login  403    403    403    403    403    403    403    403    400    400    403    403    403    403
api:referral-decline                   POST pk=referral                         login  login  400    404    404    404    403    404    404    404    404    404    404    404    400    404
api:referral-detail                    GET  pk=referral                         login  login  ok     404    404    404    ok     404    404    404    404    404    404    404    ok     404
api:referral-list                      GET  -                                   login  login  ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok
api:referral-meeting                   POST pk=referral                         login  login  409    404    404    404    403    404    404    404    404    404    404    404    409    404
api:referral-meeting-outcome           POST pk=referral                         login  login  409    404    404    404    403    404    404    404    404    404    404    404    409    404
api:referral-priority                  POST pk=referral                         login  login  409    404    404    404    403    404    404    404    404    404    404    404    409    404
api:referral-registrations             POST -                                   login  login  400    400    403    403    403    403    403    403    403    403    403    403    400    403
api:referral-submit                    POST pk=referral                         login  login  409    404    404    404    409    404    404    404    404    404    404    404    409    404
api:referral-waitlist                  POST pk=referral                         login  login  409    404    404    404    403    404    404    404    404    404    404    404    409    404
api:referral-withdraw                  POST pk=referral                         login  login  400    404    404    404    400    404    404    404    404    404    404    404    400    404
api:report-csv                         GET  pk=report,?table=figures            login  login  ok     404    403    403    403    403    ok     404    403    403    403    403    ok     403
api:report-detail                      GET  pk=report                           login  login  ok     404    403    403    403    403    ok     404    403    403    403    403    ok     403
api:report-download                    GET  pk=report                           login  login  ok     404    403    403    403    403    ok     404    403    403    403    403    ok     403
api:report-list                        GET  -                                   login  login  ok     ok     403    403    403    403    ok     ok     403    403    403    403    ok     403
api:report-retry                       POST pk=report                           login  login  409    404    403    403    403    403    409    404    403    403    403    403    409    403
api:report-xlsx                        GET  pk=report                           login  login  ok     404    403    403    403    403    ok     404    403    403    403    403    ok     403
api:school-detail                      GET  pk=school                           login  login  ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok
api:school-list                        GET  -                                   login  login  ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok
api:volunteer-change-status            POST pk=volunteer                        login  login  400    404    403    404    404    404    404    404    404    404    404    404    400    404
api:volunteer-detail                   GET  pk=volunteer                        login  login  ok     404    ok     404    404    404    404    404    404    404    404    404    ok     404
api:volunteer-list                     GET  -                                   login  login  ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok     ok
api:volunteer-record-intake            POST pk=volunteer                        login  login  400    404    403    404    404    404    404    404    404    404    404    404    400    404
api:volunteer-record-training          POST pk=volunteer                        login  login  400    404    403    404    404    404    404    404    404    404    404    404    400    404
api:volunteer-record-vog               POST pk=volunteer                        login  login  400    404    403    404    404    404    404    404    404    404    404    404    400    404
api:waitlist-list                      GET  -                                   login  login  ok     ok     403    403    403    403    403    403    403    403    403    403    ok     403

# --- Processing log (privacy officer) ---------------------
#                                                                               anon   inact  lead_a lead_b vol_a  vol_b  ref_a  ref_b  off_a  off_b  cm_a   cm_b   priv_a priv_b admin  outs
audit:log                              GET  -                                   login  login  403    403    403    403    403    403    403    403    403    403    ok     ok     ok     403
audit:pupil_log                        GET  pk=pupil                            login  login  403    403    403    403    403    403    403    403    403    403    ok     404    ok     403
audit:volunteer_log                    GET  pk=volunteer                        login  login  403    403    403    403    403    403    403    403    403    403    ok     404    ok     403

# --- Platform administration ------------------------------
#                                                                               anon   inact  lead_a lead_b vol_a  vol_b  ref_a  ref_b  off_a  off_b  cm_a   cm_b   priv_a priv_b admin  outs
core:reference_import                  GET  -                                   login  login  403    403    403    403    403    403    403    403    403    403    403    403    ok     403

# --- Initiatives: volunteers, programmes, settings --------
#                                                                               anon   inact  lead_a lead_b vol_a  vol_b  ref_a  ref_b  off_a  off_b  cm_a   cm_b   priv_a priv_b admin  outs
initiatives:availability_edit          GET  pk=volunteer                        login  login  ok     404    403    403    403    403    403    403    403    403    403    403    ok     403
initiatives:drop_in_sessions           GET  pk=drop_in_programme                login  login  ok     404    403    403    403    403    403    403    403    403    403    403    ok     403
initiatives:initiative_settings        GET  pk=initiative                       login  login  ok     404    403    403    403    403    403    403    403    403    403    403    ok     403
initiatives:programme_question_delete  GET  pk=question                         login  login  ok     404    403    403    403    403    403    403    403    403    403    403    ok     403
initiatives:programme_question_edit    GET  pk=question                         login  login  ok     404    403    403    403    403    403    403    403    403    403    403    ok     403
initiatives:programme_question_move    POST pk=question                         login  login  400    404    403    403    403    403    403    403    403    403    403    403    400    403
initiatives:programme_question_switch  POST pk=question                         login  login  400    404    403    403    403    403    403    403    403    403    403    403    400    403
initiatives:programme_questions        GET  pk=programme                        login  login  ok     404    403    403    403    403    403    403    403    403    403    403    ok     403
initiatives:training_record            GET  pk=volunteer                        login  login  ok     404    403    403    403    403    403    403    403    403    403    403    ok     403
initiatives:vog_record                 GET  pk=volunteer                        login  login  ok     404    403    403    403    403    403    403    403    403    403    403    ok     403
initiatives:volunteer_create           GET  -                                   login  login  ok     ok     403    403    403    403    403    403    403    403    403    403    ok     403
initiatives:volunteer_data_json        GET  pk=volunteer                        login  login  ok     404    403    403    403    403    403    403    403    403    403    403    ok     403
initiatives:volunteer_data_pdf         GET  pk=volunteer                        login  login  ok     404    403    403    403    403    403    403    403    403    403    403    ok     403
initiatives:volunteer_detail           GET  pk=volunteer                        login  login  ok     404    ok     404    404    404    404    404    404    404    404    404    ok     404
initiatives:volunteer_edit             GET  pk=volunteer                        login  login  ok     404    403    403    403    403    403    403    403    403    403    403    ok     403
initiatives:volunteer_erase            GET  pk=volunteer                        login  login  ok     404    403    403    403    403    403    403    403    403    403    403    ok     403
initiatives:volunteer_intake           GET  pk=volunteer                        login  login  ok     404    403    403    403    403    403    403    403    403    403    403    ok     403
initiatives:volunteer_list             GET  -                                   login  login  ok     ok     403    403    403    403    403    403    403    403    403    403    ok     403
initiatives:volunteer_status           GET  pk=volunteer                        login  login  ok     404    403    403    403    403    403    403    403    403    403    403    ok     403

# --- Municipality: funding agreements and dashboards ------
#                                                                               anon   inact  lead_a lead_b vol_a  vol_b  ref_a  ref_b  off_a  off_b  cm_a   cm_b   priv_a priv_b admin  outs
municipality:accountability_text       GET  pk=agreement                        login  login  ok     404    403    403    403    403    403    404    403    403    403    403    ok     403
municipality:agreement_create          GET  -                                   login  login  403    403    403    403    403    403    ok     ok     403    403    403    403    ok     403
municipality:agreement_detail          GET  pk=agreement                        login  login  ok     404    403    403    403    403    ok     404    403    403    403    403    ok     403
municipality:agreement_edit            GET  pk=agreement                        login  login  403    404    403    403    403    403    ok     404    403    403    403    403    ok     403
municipality:agreement_list            GET  -                                   login  login  ok     ok     403    403    403    403    ok     ok     403    403    403    403    ok     403
municipality:dashboard                 GET  -                                   login  login  ok     ok     403    403    403    403    ok     ok     403    403    403    403    ok     403
municipality:funder_create             GET  -                                   login  login  403    403    403    403    403    403    ok     ok     403    403    403    403    ok     403
municipality:initiative_dashboard      GET  pk=initiative                       login  login  ok     404    403    403    403    403    403    403    403    403    403    403    ok     403

# --- Referrals: school, client manager, intake, matching, sessions, evaluations, privacy
#                                                                               anon   inact  lead_a lead_b vol_a  vol_b  ref_a  ref_b  off_a  off_b  cm_a   cm_b   priv_a priv_b admin  outs
referrals:attention                    GET  -                                   login  login  ok     ok     403    403    403    403    403    403    403    403    403    403    ok     403
referrals:certificate                  GET  pk=participant                      login  login  404    404    403    403    403    403    403    403    403    403    403    403    404    403
referrals:client_manager_create        GET  -                                   login  login  403    403    403    403    403    403    403    403    ok     ok     403    403    403    403
referrals:client_manager_detail        GET  pk=adult_referral                   login  login  403    403    403    403    403    403    403    403    ok     404    403    403    403    403
referrals:client_manager_edit          GET  pk=adult_referral                   login  login  403    403    403    403    403    403    403    403    ok     404    403    403    403    403
referrals:client_manager_list          GET  -                                   login  login  403    403    403    403    403    403    403    403    ok     ok     403    403    403    403
referrals:evaluation_record            GET  pk=referral                         login  login  ok     404    403    403    403    403    403    403    403    403    403    403    ok     403
referrals:impact_record                GET  pk=referral                         login  login  ok     404    403    403    403    403    403    403    403    403    403    403    ok     403
referrals:inbox                        GET  -                                   login  login  ok     ok     403    403    403    403    403    403    403    403    403    403    ok     403
referrals:leader_accept                POST pk=referral                         login  login  ok     404    403    403    403    403    403    403    403    403    403    403    ok     403
referrals:leader_adult_create          GET  -                                   login  login  ok     ok     403    403    403    403    403    403    403    403    403    403    ok     403
referrals:leader_coach_check_in        GET  pk=adult_match                      login  login  ok     404    403    403    403    403    403    403    403    403    403    403    ok     403
referrals:leader_create                GET  -                                   login  login  ok     ok     403    403    403    403    403    403    403    403    403    403    ok     403
referrals:leader_decline               GET  pk=referral                         login  login  ok     404    403    403    403    403    403    403    403    403    403    403    ok     403
referrals:leader_detail                GET  pk=referral                         login  login  ok     404    403    403    403    403    403    403    403    403    403    403    ok     403
referrals:leader_drop_out_signal       GET  pk=adult_referral                   login  login  ok     404    403    403    403    403    403    403    403    403    403    403    ok     403
referrals:leader_meeting_outcome       GET  pk=referral,meeting_pk=meeting      login  login  ok     404    403    403    403    403    403    403    403    403    403    403    ok     403
referrals:leader_meeting_plan          GET  pk=referral                         login  login  ok     404    403    403    403    403    403    403    403    403    403    403    ok     403
referrals:leader_priority              GET  pk=referral                         login  login  ok     404    403    403    403    403    403    403    403    403    403    403    ok     403
referrals:leader_waitlist              POST pk=referral                         login  login  ok     404    403    403    403    403    403    403    403    403    403    403    ok     403
referrals:leader_withdraw              GET  pk=referral                         login  login  ok     404    403    403    403    403    403    403    403    403    403    403    ok     403
referrals:match_add_participant        GET  pk=match                            login  login  ok     404    403    404    403    403    403    403    403    403    403    403    ok     403
referrals:match_batch                  GET  pk=programme                        login  login  ok     404    403    403    403    403    403    403    403    403    403    403    ok     403
referrals:match_create                 GET  pk=unmatched_referral               login  login  ok     404    403    403    403    403    403    403    403    403    403    403    ok     403
referrals:match_detail                 GET  pk=match                            login  login  ok     404    ok     404    403    403    403    403    403    403    403    403    ok     403
referrals:match_end                    GET  pk=match                            login  login  ok     404    403    404    403    403    403    403    403    403    403    403    ok     403
referrals:match_list                   GET  -                                   login  login  ok     ok     ok     ok     403    403    403    403    403    403    403    403    ok     403
referrals:match_moments                GET  pk=match                            login  login  ok     404    ok     404    403    404    404    404    404    404    404    404    ok     404
referrals:match_remove_participant     GET  pk=match,participant_pk=participant login  login  ok     404    403    404    403    403    403    403    403    403    403    403    ok     403
referrals:match_replace                GET  pk=match                            login  login  ok     404    403    404    403    403    403    403    403    403    403    403    ok     403
referrals:match_suggestions            GET  pk=unmatched_referral               login  login  ok     404    403    403    403    403    403    403    403    403    403    403    ok     403
referrals:moment_delete                GET  pk=contact_moment                   login  login  ok     404    403    404    404    404    404    404    404    404    404    404    ok     404
referrals:moment_edit                  GET  pk=contact_moment                   login  login  ok     404    403    404    404    404    404    404    404    404    404    404    ok     404
referrals:pupil_availability           GET  pk=unmatched_referral               login  login  ok     404    403    403    403    403    403    403    403    403    403    403    ok     403
referrals:pupil_data_json              GET  pk=pupil                            login  login  ok     404    403    403    403    403    403    403    403    403    403    403    ok     403
referrals:pupil_data_pdf               GET  pk=pupil                            login  login  ok     404    403    403    403    403    403    403    403    403    403    403    ok     403
referrals:pupil_erase                  GET  pk=pupil                            login  login  ok     404    403    403    403    403    403    403    403    403    403    403    ok     403
referrals:school_create                GET  -                                   login  login  403    403    403    403    ok     ok     403    403    403    403    403    403    403    403
referrals:school_detail                GET  pk=referral                         login  login  403    403    403    403    ok     404    403    403    403    403    403    403    403    403
referrals:school_edit                  GET  pk=referral                         login  login  403    403    403    403    ok     404    403    403    403    403    403    403    403    403
referrals:school_list                  GET  -                                   login  login  403    403    403    403    ok     ok     403    403    403    403    403    403    403    403
referrals:school_places                GET  -                                   login  login  403    403    403    403    ok     ok     403    403    403    403    403    403    403    403
referrals:school_withdraw              GET  pk=referral                         login  login  403    403    403    403    ok     404    403    403    403    403    403    403    403    403
referrals:session_log                  GET  pk=match                            login  login  ok     404    ok     404    403    404    404    404    404    404    404    404    ok     404
referrals:waitlist                     GET  -                                   login  login  ok     ok     403    403    403    403    403    403    403    403    403    403    ok     403

# --- Reports ----------------------------------------------
#                                                                               anon   inact  lead_a lead_b vol_a  vol_b  ref_a  ref_b  off_a  off_b  cm_a   cm_b   priv_a priv_b admin  outs
reports:report_detail                  GET  pk=report                           login  login  ok     404    403    403    403    403    ok     404    403    403    403    403    ok     403
reports:report_download                GET  pk=report                           login  login  ok     404    403    403    403    403    ok     404    403    403    403    403    ok     403
reports:report_export                  GET  pk=report,table=all,fmt=xlsx        login  login  ok     404    403    403    403    403    ok     404    403    403    403    403    ok     403
reports:report_list                    GET  -                                   login  login  ok     ok     403    403    403    403    ok     ok     403    403    403    403    ok     403
reports:report_request                 POST -                                   login  login  404    404    403    403    403    403    404    404    403    403    403    403    404    403
reports:report_retry                   POST pk=report                           login  login  ok     404    403    403    403    403    ok     404    403    403    403    403    ok     403
"""


@dataclass(frozen=True)
class Entry:
    name: str
    method: str
    arguments: dict[str, str]
    expected: dict[str, str]
    comment: str = ""
    line: int = 0
    bugs: tuple[str, ...] = field(default=())


def parse(table: str) -> dict[str, Entry]:
    entries: dict[str, Entry] = {}
    for number, raw in enumerate(table.splitlines(), start=1):
        text, _hash, comment = raw.partition("#")
        if not text.strip():
            continue
        name, method, arguments, *outcomes = text.split()
        if method not in ("GET", "POST"):
            raise ValueError(f"line {number}: method {method!r} is not GET or POST")
        if len(outcomes) != len(PERSONAS):
            raise ValueError(f"line {number}: {len(outcomes)} outcomes for {len(PERSONAS)}")
        unknown = {o for o in outcomes if o not in OUTCOMES and not o.isdigit()}
        if unknown:
            raise ValueError(f"line {number}: unknown outcomes {sorted(unknown)}")
        if name in entries:
            raise ValueError(f"line {number}: {name} appears twice")
        kwargs = {}
        if arguments != "-":
            for pair in arguments.split(","):
                key, _eq, value = pair.partition("=")
                kwargs[key] = value
        entries[name] = Entry(
            name=name,
            method=method,
            arguments=kwargs,
            expected=dict(zip(PERSONAS, outcomes, strict=True)),
            comment=comment.strip(),
            line=number,
        )
    return entries


MATRIX = parse(TABLE)


def row(name: str, method: str, arguments: dict[str, str], observed: dict[str, str]) -> str:
    """One table line for what was observed (printed when a row does not match)."""
    args = ",".join(f"{k}={v}" for k, v in arguments.items()) or "-"
    cells = "".join(f"{observed[p]:<7}" for p in PERSONAS)
    return f"{name:<38} {method:<4} {args:<36} {cells}".rstrip()
