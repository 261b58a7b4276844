"""The authorization matrix: every URL pattern, every persona, one expected answer (issue 7).

The expected answers are the table in ``tests/authorization_matrix.py``. One
test per URL pattern builds the world once and asks the URL as every persona
(each request in a savepoint that is rolled back, so one persona's POST does
not change what the next one sees), collecting every mismatch into one
message that also prints the observed row, ready to paste.

Besides the status, each test checks

- that no answer shows a persona more of side a's personal data than
  ``MAY_BE_SHOWN`` allows (side b, anonymous, the deactivated user and the
  outsider: none at all), error pages and problem+json bodies included;
- that a persona refused a GET page is refused its writes too (POST, and an
  API view's PUT, PATCH and DELETE, with an empty body);
- that an empty POST that was not allowed changed nothing in the database.

Further tests: API lists filtered on side a's objects by side b
(``?programme=``, ``?school=`` ...) find none of them, and Django's admin
sends everyone but the administrator to its login.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

import pytest
from allauth.mfa.models import Authenticator
from django.apps import apps
from django.core.files.base import ContentFile
from django.db import transaction
from django.test import Client
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Membership, Role, User
from accounts.tests.authenticators import give_authenticator_app
from accounts.tests.factories import (
    client_manager_of,
    privacy_officer_of,
    project_leader_of,
)
from accounts.tokens import api_token_create
from initiatives.tests.factories import ProgrammeFactory
from municipality.tests.factories import FunderFactory, FundingAgreementFactory
from referrals.models import Referral
from referrals.services.adults import LearnerData, adult_referral_save
from referrals.services.lifecycle import PupilData
from referrals.tests.factories import (
    EvaluationFactory,
    ImpactMeasurementFactory,
    ImpactQuestionFactory,
    MatchFactory,
    TripartiteMeetingFactory,
)
from reports.models import Report
from tests.authorization_matrix import (
    ADMIN_REFUSED_TO_SUPERUSER,
    MATRIX,
    MAY_BE_SHOWN,
    NOT_OF_SIDE_A,
    PERSONAS,
    SKIPPED,
    row,
)

pytestmark = pytest.mark.django_db

LOGIN_PATHS = ("/accounts/login/", "/admin/login/")


# --- The URL patterns ---------------------------------------------------------------


def _walk(patterns, namespace="", prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _walk(pattern.url_patterns, inner, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            route = prefix + str(pattern.pattern)
            yield (f"{namespace}{pattern.name}" if pattern.name else route), pattern.callback


def url_pattern_names() -> set[str]:
    """Every URL pattern by name (or by route, when it has no name)."""
    return {name for name, _callback in _walk(get_resolver().url_patterns)}


def write_methods(name: str) -> list[str]:
    """The methods besides GET a pattern's view may take: a viewset's, else POST."""
    for found, callback in _walk(get_resolver().url_patterns):
        if found == name:
            actions = getattr(callback, "actions", None)
            if actions is not None:
                return sorted(m for m in actions if m not in ("get", "head", "options"))
            return ["post"]
    raise LookupError(name)


def _skipped(name: str) -> bool:
    return name in SKIPPED or any(
        key.endswith("*") and name.startswith(key[:-1]) for key in SKIPPED
    )


def test_every_url_has_an_entry():
    missing = sorted(n for n in url_pattern_names() if n not in MATRIX and not _skipped(n))
    assert missing == [], (
        "URL patterns without a row in tests/authorization_matrix.py (add one per "
        f"pattern, or a reason in SKIPPED): {missing}"
    )


def test_every_entry_is_a_url_that_exists():
    names = url_pattern_names()
    gone = sorted(n for n in MATRIX if n not in names)
    skipped_gone = sorted(n for n in SKIPPED if not n.endswith("*") and n not in names)
    assert gone == [], f"rows for URL patterns that no longer exist: {gone}"
    assert skipped_gone == [], f"SKIPPED names URL patterns that no longer exist: {skipped_gone}"
    assert not set(MATRIX) & set(SKIPPED)


# --- The personas and side a's objects ----------------------------------------------


@dataclass
class Cast:
    world: object
    users: dict[str, User | None]
    objects: dict[str, object]
    inactive_secret: str
    _clients: dict = field(default_factory=dict)

    def client(self, persona: str, *, api: bool):
        key = (persona, api)
        if key not in self._clients:
            self._clients[key] = self._make_client(persona, api=api)
        return self._clients[key]

    def _make_client(self, persona: str, *, api: bool):
        user = self.users[persona]
        client = APIClient() if api else Client()
        client.raise_request_exception = False
        if persona == "inactive":
            # Django treats a deactivated user as anonymous at the next request.
            if api:
                client.credentials(HTTP_AUTHORIZATION=f"Bearer {self.inactive_secret}")
            else:
                client.force_login(user)
        elif user is not None:
            if api:
                give_authenticator_app(user)
                _token, secret = api_token_create(user=user, name="matrix")
                client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
            else:
                give_authenticator_app(user)
                client.force_login(user)
                _record_login(client, user)
        return client


def _record_login(client, user) -> None:
    """Note a login with password and authenticator code in the session, as allauth
    does, so its account pages do not first ask for the password again."""
    now = time.time()
    session = client.session
    session["account_authentication_methods"] = [
        {"method": "password", "at": now, "email": user.email},
        {"method": "mfa", "at": now, "type": "totp"},
    ]
    session["account_authentication_methods_user"] = str(user.pk)
    session.save()


def _name(user, persona: str) -> None:
    """Fixed names, so a Faker name can never equal one of side a's names."""
    user.first_name, user.last_name = "Persona", persona.replace("_", "-")
    user.save(update_fields=["first_name", "last_name"])


# The adult newcomer client manager a referred (adult language coaching).
ADULT_FIRST_NAME, ADULT_LAST_NAME = "Desta", "Woldemariam"


def _adult_referral(a, manager, programme) -> Referral:
    return adult_referral_save(
        user=manager,
        municipality=a.municipality,
        programme=programme,
        pupil=PupilData(
            first_name=ADULT_FIRST_NAME,
            last_name=ADULT_LAST_NAME,
            date_of_birth=dt.date(1985, 5, 1),
            postcode="3531AB",
        ),
        learner=LearnerData(learning_route="z", phone="0611111111"),
        support_what="Brieven lezen",
        consent_given_by=ADULT_FIRST_NAME,
        consent_date=timezone.localdate(),
        consent_method=Referral.ConsentMethod.VERBAL,
        submit=True,
    )


def side_a_objects(world, users) -> dict[str, object]:
    """The objects of side a the URL arguments name (``pk=referral``)."""
    a = world.a
    adult_programme = ProgrammeFactory(
        initiative=a.initiative,
        adult=True,
        min_age=18,
        max_age=99,
        municipalities=[a.municipality],
        name="Taalcoaching volwassenen",
    )
    funder = FunderFactory(municipal=True, municipality=a.municipality)
    agreement = FundingAgreementFactory(
        municipality=a.municipality,
        initiative=a.initiative,
        funder=funder,
        programmes=[a.programme],
        reference="BESCH-A-0001",
    )
    report = Report.objects.create(
        kind=Report.Kind.AGREEMENT,
        municipality=a.municipality,
        funding_agreement=agreement,
        period_start=agreement.start_date,
        period_end=agreement.end_date,
        version=1,
        status=Report.Status.DONE,
        progress=100,
        requested_by=users["official_a"],
        finished_at=timezone.now(),
    )
    from reports.snapshot import build_snapshot

    report.figures = build_snapshot(report)
    report.file.save("verantwoording-a.pdf", ContentFile(b"%PDF-1.7 matrix"), save=False)
    report.save()
    token, _secret = api_token_create(user=users["leader_a"], name="Koppeling A")
    # Someone else's security key: nobody may see or remove it through their own pages.
    webauthn = Authenticator.objects.create(
        user=project_leader_of(a.initiative, email="sleutelhouder-a@example.nl"),
        type=Authenticator.Type.WEBAUTHN,
        data={"name": "Sleutel A", "credential": {}},
    )
    return {
        "municipality": a.municipality,
        "school": a.school,
        "initiative": a.initiative,
        "programme": a.programme,
        "volunteer": a.volunteer,
        "pupil": a.pupil,
        "guardian": a.guardian,
        "referral": a.referral,
        "match": a.match,
        "participant": a.participant,
        "contact_moment": a.contact_moment,
        "unmatched_pupil": a.unmatched_pupil,
        "unmatched_referral": a.unmatched_referral,
        "meeting": TripartiteMeetingFactory(referral=a.referral),
        "evaluation": EvaluationFactory(referral=a.referral),
        "impact": ImpactMeasurementFactory(referral=a.referral),
        "question": ImpactQuestionFactory(programme=a.programme, text="Leesplezier"),
        "funder": funder,
        "agreement": agreement,
        "report": report,
        "token": token,
        "membership": Membership.objects.get(
            user=a.volunteer_user, role=Role.VOLUNTEER, initiative=a.initiative
        ),
        "webauthn": webauthn,
        "adult_programme": adult_programme,
        "adult_referral": _adult_referral(a, users["client_a"], adult_programme),
        "adult_match": MatchFactory(programme=adult_programme, volunteer=a.volunteer),
        "drop_in_programme": ProgrammeFactory(
            initiative=a.initiative,
            drop_in=True,
            name="Taalcafé Noordpunt",
            municipalities=[a.municipality],
        ),
    }


@pytest.fixture
def cast(world, settings, tmp_path) -> Cast:
    settings.MEDIA_ROOT = tmp_path / "media"
    inactive = project_leader_of(world.a.initiative, email="gedeactiveerd-a@example.nl")
    _token, inactive_secret = api_token_create(user=inactive, name="before deactivation")
    inactive.is_active = False
    inactive.save(update_fields=["is_active"])
    users = {
        "anon": None,
        "inactive": inactive,
        "leader_a": world.a.project_leader,
        "leader_b": world.b.project_leader,
        "volunteer_a": world.a.volunteer_user,
        "volunteer_b": world.b.volunteer_user,
        "referrer_a": world.a.school_referrer,
        "referrer_b": world.b.school_referrer,
        "official_a": world.a.municipal_official,
        "official_b": world.b.municipal_official,
        "client_a": client_manager_of(world.a.municipality, email="klantmanager-a@example.nl"),
        "client_b": client_manager_of(world.b.municipality, email="klantmanager-b@example.nl"),
        "privacy_a": privacy_officer_of(world.a.initiative, email="privacy-a@example.nl"),
        "privacy_b": privacy_officer_of(world.b.initiative, email="privacy-b@example.nl"),
        "admin": world.superuser,
        "outsider": world.outsider,
    }
    for persona, user in users.items():
        if user is not None and not persona.startswith("volunteer_"):
            _name(user, persona)
    assert set(users) == set(PERSONAS)
    return Cast(
        world=world,
        users=users,
        objects=side_a_objects(world, users),
        inactive_secret=inactive_secret,
    )


def personal_data_of_side_a(world) -> dict[str, list[str]]:
    """Side a's personal data by group (see ``MAY_BE_SHOWN``), as it would appear on a page."""
    a = world.a
    return {
        "pupil": [a.pupil.first_name, a.pupil.last_name],
        "guardian": [a.guardian.name.split()[0]],
        "waiting_pupil": [a.unmatched_pupil.first_name, a.unmatched_pupil.last_name],
        "volunteer": [a.volunteer.first_name, a.volunteer.last_name, a.volunteer.email],
        "adult": [ADULT_FIRST_NAME, ADULT_LAST_NAME],
    }


def leaked(persona: str, response, data: dict[str, list[str]]) -> list[str]:
    """Side a's personal data in the answer that ``persona`` may not be shown."""
    allowed = MAY_BE_SHOWN.get(persona, set())
    forbidden = [n for group, names in data.items() if group not in allowed for n in names]
    if not forbidden:
        return []
    text = body_text(response).casefold()
    return [n for n in forbidden if n.casefold() in text]


# --- Asking and judging -------------------------------------------------------------


def classify(response) -> str:
    status = response.status_code
    if 200 <= status < 300:
        return "ok"
    if status in (301, 302, 303, 307, 308):
        target = urlsplit(response.get("Location", "")).path
        return "login" if target.startswith(LOGIN_PATHS) else "ok"
    if status == 401:
        return "login"
    return str(status)


def body_text(response) -> str:
    if getattr(response, "streaming", False):
        content = b"".join(response.streaming_content)
    else:
        content = response.content
    headers = " ".join(response.get(h, "") for h in ("Location", "Content-Disposition"))
    return content.decode("utf-8", errors="replace") + " " + headers


# Tables a request may write to without changing anything a persona owns: the
# processing log, sessions, one-time form keys, and "last used" moments.
UNWATCHED_MODELS = {"audit", "sessions", "core.formsubmission", "admin.logentry"}
UNWATCHED_FIELDS = {"last_login", "last_used_at"}


def fingerprint() -> dict[str, list]:
    state = {}
    for model in apps.get_models():
        label = model._meta.label_lower
        if model._meta.app_label in UNWATCHED_MODELS or label in UNWATCHED_MODELS:
            continue
        fields = [
            f.attname for f in model._meta.concrete_fields if f.attname not in UNWATCHED_FIELDS
        ]
        state[label] = list(model._base_manager.order_by("pk").values_list(*fields))
    return state


def changed_tables(before: dict, after: dict) -> list[str]:
    return sorted(label for label in before if before[label] != after[label])


def url_for(name: str, arguments: dict[str, str], objects: dict[str, object]) -> str:
    def value(text: str):
        return objects[text].pk if text in objects else text

    kwargs = {k: value(v) for k, v in arguments.items() if not k.startswith("?")}
    query = {k[1:]: value(v) for k, v in arguments.items() if k.startswith("?")}
    # a pattern without a name is given by its route
    url = "/" + name if ":" not in name and "/" in name else reverse(name, kwargs=kwargs)
    return f"{url}?{urlencode(query)}" if query else url


def ask(client, method: str, url: str):
    """One request in a savepoint that is rolled back; returns it and whether it wrote."""
    with transaction.atomic():
        before = fingerprint() if method != "get" else None
        response = getattr(client, method)(url)
        changed = changed_tables(before, fingerprint()) if method != "get" else []
        transaction.set_rollback(True)
    return response, changed


# What a persona who may not use a page gets; a write to it must get one of these too.
DENIALS = {"login", "403", "404", "405"}


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_url_answers_every_persona_as_the_matrix_says(name, cast):
    entry = MATRIX[name]
    url = url_for(name, entry.arguments, cast.objects)
    api = url.startswith("/api/")
    data = personal_data_of_side_a(cast.world)
    probes = write_methods(name) if entry.method == "GET" else []
    observed: dict[str, str] = {}
    mismatches, leaks, writes = [], [], []
    for persona in PERSONAS:
        client = cast.client(persona, api=api)
        expected = entry.expected[persona]
        method = entry.method.lower()
        response, changed = ask(client, method, url)
        outcome = observed[persona] = classify(response)
        if outcome != expected:
            mismatches.append(f"{persona}: expected {expected}, got {describe(response)}")
        answers = [(method, response, changed)]
        # A persona who may not use the page may not write to it either.
        if expected in DENIALS:
            for probe in probes:
                answer, probe_changed = ask(client, probe, url)
                answers.append((probe, answer, probe_changed))
                if classify(answer) not in DENIALS:
                    mismatches.append(
                        f"{persona}: {probe.upper()} with an empty body got {describe(answer)}, "
                        f"not one of {sorted(DENIALS)}"
                    )
        for sent, answer, answer_changed in answers:
            if answer_changed and (sent != method or expected != "ok"):
                writes.append(
                    f"{persona}: {sent.upper()} ({describe(answer)}) changed {answer_changed}"
                )
            shown = leaked(persona, answer, data)
            if shown:
                leaks.append(f"{persona}: {sent.upper()} ({describe(answer)}) showed {shown}")
    report = (
        f"{entry.method} {url} ({name}, table line {entry.line})\n"
        + "".join(f"  LEAK: {line}\n" for line in leaks)
        + "".join(f"  WRITE: {line}\n" for line in writes)
        + "".join(f"  {line}\n" for line in mismatches)
        + "observed row:\n"
        + row(name, entry.method, entry.arguments, observed)
    )
    assert not leaks, report
    assert not writes, report
    assert not mismatches, report


def describe(response) -> str:
    location = response.get("Location", "")
    return f"{classify(response)} ({response.status_code}{' -> ' + location if location else ''})"


# --- Lists filtered on side a's objects ---------------------------------------------

# Which of side a's objects an identifier filter of that name is given.
ID_FILTERS = {
    "programme": "programme",
    "school": "school",
    "initiative": "initiative",
    "municipality": "municipality",
    "volunteer": "volunteer",
    "referral": "referral",
    "match": "match",
    "funding_agreement": "agreement",
    "funder": "funder",
}
# Lists of reference data every signed-in user may see (DUO's schools, the
# programmes on offer): filtering on side a's school or programme finds them.
PUBLIC_LISTS = {"api:school-list", "api:programme-list"}
# Query parameters of endpoints without a filter set.
EXTRA_FILTERS = {
    "api:indicator-list": ["municipality", "initiative", "programme", "funding_agreement"],
}


def _callback(name: str):
    for found, callback in _walk(get_resolver().url_patterns):
        if found == name:
            return callback
    raise LookupError(name)


def api_list_filters() -> list[tuple[str, str]]:
    pairs = []
    for name in sorted(MATRIX):
        if not name.startswith("api:"):
            continue
        actions = getattr(_callback(name), "actions", None) or {}
        if actions.get("get") != "list":
            continue
        filterset = getattr(_callback(name).cls, "filterset_class", None)
        declared = list(filterset.base_filters) if filterset else EXTRA_FILTERS.get(name, [])
        pairs += [(name, f) for f in declared if f in ID_FILTERS]
    return pairs


@pytest.mark.parametrize(("name", "filter_name"), api_list_filters())
def test_side_b_filtering_a_list_on_side_a_objects_gets_none_of_them(name, filter_name, cast):
    value = cast.objects[ID_FILTERS[filter_name]].pk
    url = f"{reverse(name)}?{urlencode({filter_name: value})}"
    data = personal_data_of_side_a(cast.world)
    problems = []
    for persona in NOT_OF_SIDE_A:
        response = cast.client(persona, api=True).get(url)
        shown = leaked(persona, response, data)
        if shown:
            problems.append(f"{persona}: LEAK {shown} ({response.status_code})")
        if response.status_code == 200:
            body = response.json()
            if "count" in body and body["count"] and name not in PUBLIC_LISTS:
                problems.append(f"{persona}: 200 with {body['count']} of side a's rows")
            elif "count" not in body and name not in PUBLIC_LISTS:
                problems.append(f"{persona}: 200 with {sorted(body)[:6]}")
        elif response.status_code not in (400, 401, 403, 404):
            problems.append(f"{persona}: {response.status_code}")
    assert not problems, f"GET {url}\n" + "\n".join(problems)


# --- The admin ----------------------------------------------------------------------


def admin_urls() -> list[str]:
    """Every admin page that takes no argument, and each app's index."""
    from django.contrib import admin

    urls = []
    for name, _callback in _walk(get_resolver().url_patterns):
        if not name.startswith("admin:") or name in ("admin:login", "admin:logout"):
            continue
        try:
            urls.append(reverse(name))
        except NoReverseMatch:
            continue
    labels = sorted({model._meta.app_label for model in admin.site._registry})
    urls += [reverse("admin:app_list", kwargs={"app_label": label}) for label in labels]
    return urls


def test_admin_sends_everyone_but_staff_to_its_login(cast):
    urls = admin_urls()
    assert len(urls) > 40
    assert set(ADMIN_REFUSED_TO_SUPERUSER) <= set(urls)
    wrong = []
    for url in urls:
        for persona in PERSONAS:
            response = cast.client(persona, api=False).get(url)
            outcome = classify(response)
            expected = "login"
            if persona == "admin":
                expected = "403" if url in ADMIN_REFUSED_TO_SUPERUSER else "ok"
            if outcome != expected:
                wrong.append(f"{url} {persona}: expected {expected}, got {describe(response)}")
    assert not wrong, "\n".join(wrong)
