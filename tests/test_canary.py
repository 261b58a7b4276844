"""Canary: no personal data in addresses, logs, the processing log or email subjects.

Every pupil, guardian and volunteer of the shared world gets a canary in
their names, email address, phone number and notes (and so do the notes
around them: the referral, the driehoeksgesprek, the action plan, the
evaluation, the contact moment). Then each role opens every page and API
endpoint of the URL configuration (filled with the world's ids, of their own
side and of the other one), follows the links on those pages one level, and
sends an empty POST to each address that takes one.

A page may show the canary: showing a pupil's name is what the page is for.
It must never be in:

- an address: an ``href``, ``action``, ``src``, ``hx-*`` or other URL
  attribute of an HTML answer, the ``Location`` of a redirect, a
  ``next``/``previous``/``url`` link of an API answer (URLs end up in
  browser history, access logs and ``Referer`` headers);
- an error: a 4xx or 5xx page or problem+json answer;
- a log record of any logger at DEBUG level (exceptions included), or a
  row of the processing log;
- the subject of an email.
"""

from __future__ import annotations

import json
import logging
import re
import traceback
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from html.parser import HTMLParser
from types import SimpleNamespace
from unittest import mock
from urllib.parse import unquote_plus, urlsplit

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, resolve, reverse

from accounts.tests.factories import privacy_officer_of
from audit.models import ProcessingLogEntry
from audit.registry import BY_URL_NAME
from initiatives.tests.factories import VolunteerStatusChangeFactory
from municipality.tests.factories import FundingAgreementFactory
from referrals.models import Referral, ReferralStatusChange
from referrals.tests.factories import (
    ActionPlanFactory,
    EvaluationFactory,
    GoalEvaluationFactory,
    GoalFactory,
    ImpactMeasurementFactory,
    ImpactQuestionFactory,
    ImpactScoreFactory,
    PupilFactory,
    ReferralFactory,
    TripartiteMeetingFactory,
)

pytestmark = pytest.mark.django_db

CANARY = "KanarieXq7"
FIRST_NAME = f"Voor{CANARY}"
LAST_NAME = f"Achter{CANARY}"


def has_canary(text: str) -> bool:
    """The canary in any case (email addresses are lower-cased), also URL-encoded."""
    return CANARY.lower() in unquote_plus(str(text)).lower()


# --- the world, with a canary in every piece of personal data -------------------------


def _mark_pupil(pupil) -> None:
    pupil.first_name, pupil.last_name = FIRST_NAME, LAST_NAME
    pupil.needs = f"Leest graag over vogels ({CANARY})."
    pupil.save(update_fields=["first_name", "last_name", "needs"])
    for guardian in pupil.guardians.all():
        guardian.name = f"Ouder {LAST_NAME}"
        guardian.email = f"ouder.{CANARY.lower()}@example.nl"
        guardian.phone = f"06{CANARY}"
        guardian.save(update_fields=["name", "email", "phone"])


def _mark_referral(referral) -> None:
    referral.support_what = f"Lezen met {FIRST_NAME}."
    referral.support_why = f"{FIRST_NAME} loopt achter."
    referral.support_tried = f"Extra lezen met {CANARY}."
    referral.consent_given_by = f"Ouder {LAST_NAME}"
    referral.source_detail = f"Via {CANARY}"
    referral.save(
        update_fields=[
            "support_what",
            "support_why",
            "support_tried",
            "consent_given_by",
            "source_detail",
        ]
    )
    ReferralStatusChange.objects.create(
        referral=referral,
        from_status=Referral.Status.SUBMITTED,
        to_status=referral.status,
        reason=f"Besproken met {FIRST_NAME}.",
        changed_at=referral.submitted_at,
    )


def _mark_volunteer(volunteer) -> None:
    volunteer.first_name, volunteer.last_name = FIRST_NAME, f"Vrijwilliger{CANARY}"
    volunteer.email = f"vrijwilliger.{CANARY.lower()}@example.nl"
    volunteer.phone = f"06{CANARY}"
    volunteer.intake_notes = f"Intake met {CANARY}."
    volunteer.save(update_fields=["first_name", "last_name", "email", "phone", "intake_notes"])
    VolunteerStatusChangeFactory(volunteer=volunteer, reason=f"Gesprek met {CANARY}.")
    user = volunteer.user
    user.first_name, user.last_name = volunteer.first_name, volunteer.last_name
    user.save(update_fields=["first_name", "last_name"])


def _mark_side(side) -> SimpleNamespace:
    _mark_pupil(side.pupil)
    _mark_referral(side.referral)
    _mark_volunteer(side.volunteer)
    if side.unmatched_pupil is not None:
        _mark_pupil(side.unmatched_pupil)
        _mark_referral(side.unmatched_referral)
    side.contact_moment.note = f"Goede sessie met {FIRST_NAME}."
    side.contact_moment.save(update_fields=["note"])

    meeting = TripartiteMeetingFactory(
        referral=side.referral,
        agreements=f"{FIRST_NAME} leest elke week.",
        parent_conditions=f"Ouder {LAST_NAME} brengt haar.",
    )
    plan = ActionPlanFactory(referral=side.referral, meeting=meeting)
    goal = GoalFactory(plan=plan, description=f"{FIRST_NAME} leest een boek uit.")
    evaluation = EvaluationFactory(referral=side.referral, summary=f"{FIRST_NAME} gaat vooruit.")
    GoalEvaluationFactory(evaluation=evaluation, goal=goal, note=f"Goed, {CANARY}.")
    question = ImpactQuestionFactory(programme=side.programme)
    impact = ImpactMeasurementFactory(referral=side.referral)
    ImpactScoreFactory(measurement=impact, question=question)
    agreement = FundingAgreementFactory(
        municipality=side.municipality, initiative=side.initiative, programmes=[side.programme]
    )
    return SimpleNamespace(
        meeting=meeting,
        evaluation=evaluation,
        impact=impact,
        question=question,
        agreement=agreement,
        funder=agreement.funder,
    )


@pytest.fixture
def canary(world):
    """The world with canaries, and the extra records each side's pages need."""
    for side in (world.a, world.b):
        side.extra = _mark_side(side)
        side.volunteer_membership = side.volunteer_user.memberships.get()
    world.privacy_officer = privacy_officer_of(world.a.initiative, email="fg@example.nl")
    return world


# --- capturing every log record -------------------------------------------------------

_STANDARD_RECORD_ATTRIBUTES = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


# Loggers kept quieter than DEBUG by LOGGING in config/settings/base.py (SQL,
# WeasyPrint, fonts, and the template engine, which at DEBUG logs every
# missing variable with the whole context) stay so; the test then shows that
# their level matters.
def _quieted() -> dict[str, int]:
    return {
        name: logging.getLevelName(config["level"])
        for name, config in settings.LOGGING.get("loggers", {}).items()
        if "level" in config
    }


@contextmanager
def every_log_record() -> Iterator[list[logging.LogRecord]]:
    """All records of all loggers at DEBUG: django.request, celery, the app's own.

    As with LOG_LEVEL=DEBUG, except that every logger is set to DEBUG, also
    those a library set higher, besides the ones the settings keep quieter.
    """
    handler = _Collect()
    quieted = _quieted()
    for name in quieted:
        logging.getLogger(name)  # exists from here on, so that its level is set
    root = logging.getLogger()
    loggers = [
        root,
        *(
            logger
            for logger in logging.root.manager.loggerDict.values()
            if isinstance(logger, logging.Logger)
        ),
    ]
    saved = [(logger, logger.level, logger.disabled) for logger in loggers]
    # loggers that do not pass records up to the root get the handler themselves
    own = [logger for logger in loggers if logger is not root and not logger.propagate]
    for logger in loggers:
        logger.setLevel(quieted.get(logger.name, logging.DEBUG))
        logger.disabled = False
    root.addHandler(handler)
    for logger in own:
        logger.addHandler(handler)
    try:
        yield handler.records
    finally:
        root.removeHandler(handler)
        for logger in own:
            logger.removeHandler(handler)
        for logger, level, disabled in saved:
            logger.setLevel(level)
            logger.disabled = disabled


def record_text(record: logging.LogRecord) -> str:
    """Everything a handler could write: message, arguments, exception, extra fields."""
    parts = [record.name, str(record.msg), repr(record.args)]
    with suppress(TypeError, ValueError):  # arguments that do not fit the message
        parts.append(record.getMessage())
    if record.exc_info and record.exc_info[1] is not None:
        parts.append("".join(traceback.format_exception(*record.exc_info)))
    parts.extend(str(part) for part in (record.exc_text, record.stack_info) if part)
    parts.extend(
        repr(value) for key, value in vars(record).items() if key not in _STANDARD_RECORD_ATTRIBUTES
    )
    return "\n".join(parts)


# --- where a response may carry an address ---------------------------------------------

_URL_ATTRIBUTES = {
    "href",
    "action",
    "src",
    "srcset",
    "formaction",
    "poster",
    "data",
    "cite",
    "background",
    "ping",
    "manifest",
}


# A contact link opens the phone or the mail program with the number or
# address the page shows; no server sees it, so it is not an address here.
CONTACT_SCHEMES = ("tel:", "mailto:")


def _is_url_attribute(name: str) -> bool:
    return name in _URL_ATTRIBUTES or name.startswith("hx-") or name.endswith(("url", "href"))


class _Addresses(HTMLParser):
    """Every URL-like attribute of an HTML page, and a meta refresh."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, str, str]] = []  # (tag, attribute, value)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name, value in attrs:
            if value and _is_url_attribute(name):
                self.found.append((tag, name, value))
        if tag == "meta" and (attributes.get("http-equiv") or "").lower() == "refresh":
            self.found.append((tag, "content", attributes.get("content") or ""))

    handle_startendtag = handle_starttag


def html_addresses(content: str) -> list[tuple[str, str, str]]:
    parser = _Addresses()
    parser.feed(content)
    return parser.found


def json_addresses(data, path: str = "$") -> Iterator[tuple[str, str]]:
    """Links in an API answer: next, previous, url, *_url, and any string that is a URL."""
    if isinstance(data, dict):
        for key, value in data.items():
            inner = f"{path}.{key}"
            if isinstance(value, str) and (
                key in {"next", "previous", "url", "href", "self", "location"}
                or key.endswith(("_url", "Url", "_link"))
            ):
                yield inner, value
            else:
                yield from json_addresses(value, inner)
    elif isinstance(data, list):
        for index, item in enumerate(data):
            yield from json_addresses(item, f"{path}[{index}]")
    elif isinstance(data, str) and re.match(r"^(https?://|/)\S*$", data):
        yield path, data


# --- the crawl --------------------------------------------------------------------------

# Addresses not requested, each for a reason. Everything else in the URL
# configuration is, so a new page or endpoint is covered without a change here.
SKIPPED = {
    # documentation, no data
    "api:schema_json": "the OpenAPI document",
    "api:schema_yaml": "the OpenAPI document",
    "api:docs": "the API documentation page",
    # need a one-time key from an email or a login provider
    "account_confirm_email": "needs an email confirmation key",
    "account_reset_password_from_key": "needs a password reset key",
    "openid_connect_login": "organisation login is not configured in tests",
    "openid_connect_callback": "organisation login is not configured in tests",
    # a generated report: aggregates with small numbers suppressed, no persons;
    # the report pages without an id are crawled
    "api:report-detail": "needs a generated report",
    "api:report-csv": "needs a generated report",
    "api:report-download": "needs a generated report",
    "api:report-retry": "needs a generated report",
    "api:report-xlsx": "needs a generated report",
    "reports:report_detail": "needs a generated report",
    "reports:report_download": "needs a generated report",
    "reports:report_retry": "needs a generated report",
    "reports:report_export": "needs a generated report",
    # the user's own tokens and security keys: no pupil or volunteer in them
    "accounts_api_token_revoke": "the user's own API token",
    "mfa_remove_webauthn": "the user's own security key",
    "mfa_edit_webauthn": "the user's own security key",
}

# Addresses that are requested but not sent an empty POST: it would end the
# session or the second factor, or erase what the rest of the crawl looks at.
NOT_POSTED = {
    "account_logout",
    "set_language",
    "mfa_deactivate_totp",
    "mfa_generate_recovery_codes",
    "mfa_reauthenticate",
    "account_reauthenticate",
    "account_change_password",
    "account_set_password",
    "account_email",
    "referrals:pupil_erase",
    "initiatives:volunteer_erase",
    "referrals:moment_delete",
    "initiatives:programme_question_delete",
    "accounts_membership_end",
    # downloads, no form: a POST is a 405 like any other, only slower
    "referrals:pupil_data_pdf",
    "initiatives:volunteer_data_pdf",
    "referrals:certificate",
}

# What the ``pk`` of an address names, for addresses outside the processing log
# registry (which says it for the others).
OTHER_PK = {
    "api:school-detail": "school",
    "api:programme-detail": "programme",
    "api:funding-agreement-detail": "extra.agreement",
    "api:funder-detail": "extra.funder",
    "referrals:match_batch": "programme",
    "initiatives:initiative_settings": "initiative",
    "initiatives:programme_questions": "programme",
    "initiatives:drop_in_sessions": "programme",
    "initiatives:programme_question_edit": "extra.question",
    "initiatives:programme_question_move": "extra.question",
    "initiatives:programme_question_switch": "extra.question",
    "initiatives:programme_question_delete": "extra.question",
    "municipality:agreement_detail": "extra.agreement",
    "municipality:agreement_edit": "extra.agreement",
    "municipality:accountability_text": "extra.agreement",
    "municipality:initiative_dashboard": "initiative",
    "accounts_membership_end": "volunteer_membership",
}

# audit.registry names the kind of record behind a ``pk``; which of the side's it is.
REGISTRY_PK = {
    "_referral": "referral",
    "_match": "match",
    "_contact_moment": "contact_moment",
    "_participant": "participant",
    "_pupil": "pupil",
    "_volunteer": "volunteer",
    "_evaluation": "extra.evaluation",
    "_impact": "extra.impact",
}

OTHER_KWARGS = {
    "meeting_pk": "extra.meeting",
    "participant_pk": "participant",
    "participant_id": "participant",
}


def _get(obj, path: str):
    for part in path.split("."):
        obj = getattr(obj, part)
    return obj


def url_patterns(patterns=None, namespace: str = "") -> Iterator[tuple[str, URLPattern]]:
    """Every named address outside the Django admin, with its namespace."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            if pattern.app_name == "admin":
                continue
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from url_patterns(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}{pattern.name}", pattern


def _object_path(name: str, key: str) -> str | None:
    if key == "pk":
        if name in BY_URL_NAME:
            return REGISTRY_PK.get(BY_URL_NAME[name].__name__)
        return OTHER_PK.get(name)
    return OTHER_KWARGS.get(key)


def addresses(side) -> list[tuple[str, str]]:
    """(URL name, URL) of every address, filled with the ids of ``side``."""
    found = []
    for name, pattern in url_patterns():
        if name in SKIPPED:
            continue
        kwargs = {}
        for key in pattern.pattern.regex.groupindex:
            path = _object_path(name, key)
            assert path is not None, (
                f"{name}: say what its {key} is (REGISTRY_PK, OTHER_PK, OTHER_KWARGS) "
                "or skip it (SKIPPED)"
            )
            kwargs[key] = _get(side, path).pk
        found.append((name, reverse(name, kwargs=kwargs)))
    return found


def _admin_addresses(world) -> list[str]:
    pages = []
    for side in (world.a, world.b):
        for model, obj in (
            ("referrals/pupil", side.pupil),
            ("referrals/guardian", side.guardian),
            ("referrals/referral", side.referral),
            ("referrals/contactmoment", side.contact_moment),
            ("initiatives/volunteer", side.volunteer),
        ):
            pages += [f"/admin/{model}/", f"/admin/{model}/{obj.pk}/change/"]
    return pages


@dataclass
class Crawl:
    client: Client
    problems: list[str] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)
    links: list[str] = field(default_factory=list)
    requests: int = 0
    own_side: bool = True  # False while asking for another organisation's records
    # the signed-in user's own name, in the header of every page (error pages too)
    own_name: str = ""

    def get(self, url: str, *, collect_links: bool = False):
        self.seen.add(url)
        return self._check("GET", url, self.client.get(url), collect_links=collect_links)

    def post(self, url: str, data=None, *, as_json: bool = False):
        if as_json:
            response = self.client.post(url, data or {}, content_type="application/json")
        else:
            response = self.client.post(url, data or {})
        return self._check("POST", url, response)

    def _problem(self, method: str, url: str, what: str) -> None:
        self.problems.append(f"{method} {url}: {what}")

    def _check(self, method: str, url: str, response, *, collect_links: bool = False):
        self.requests += 1
        if has_canary(url):
            self._problem(method, url, "the address itself")
        location = response.get("Location", "")
        if has_canary(location):
            self._problem(method, url, f"Location {location}")
        content_type = response.get("Content-Type", "")
        streaming = getattr(response, "streaming", False)
        body = "" if streaming else response.content.decode("utf-8", "replace")
        if "html" in content_type:
            for tag, attribute, value in html_addresses(body):
                if value.lower().startswith(CONTACT_SCHEMES):
                    continue
                if has_canary(value):
                    self._problem(method, url, f"<{tag} {attribute}={value!r}>")
                if collect_links and response.status_code == 200 and tag in ("a", "link"):
                    self._collect(value)
                if collect_links and response.status_code == 200 and attribute == "hx-get":
                    self._collect(value)
        elif "json" in content_type and body:
            try:
                data = json.loads(body)
            except ValueError:
                data = None
            for path, value in json_addresses(data):
                if has_canary(value):
                    self._problem(method, url, f"{path} = {value!r}")
                if collect_links and response.status_code == 200:
                    self._collect(value)
        if self.own_name:
            body = body.replace(self.own_name, "")
        if response.status_code >= 400 and has_canary(body) and not self._may_name(url):
            # error pages and problem+json (detail, invalid_params) echo no name
            self._problem(method, url, f"error {response.status_code} names a person")
        return response

    def _may_name(self, url: str) -> bool:
        try:
            name = resolve(urlsplit(url).path).view_name
        except Resolver404:
            return False
        return name in ERRORS_THAT_NAME and self.own_side

    def _collect(self, value: str) -> None:
        parts = urlsplit(value)
        if parts.netloc not in ("", "testserver"):
            return
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if not path.startswith("/") or path.startswith(("/static/", "/media/", "/i18n/")):
            return
        if "logout" in path or path in self.seen or path in self.links:
            return
        self.links.append(path)


def crawl_as(client: Client, user, world, own, other) -> Crawl:
    crawl = Crawl(client, own_name=user.get_full_name())
    mine = addresses(own)
    for _name, url in mine:
        crawl.get(url, collect_links=True)
    crawl.own_side = user.is_superuser
    for _name, url in addresses(other):  # another organisation's records: 404 or 403
        if url not in crawl.seen:
            crawl.get(url)
    crawl.own_side = True
    if user.is_superuser:
        for url in _admin_addresses(world):
            crawl.get(url, collect_links=True)
    # one level deeper: the links of those pages (filters, pages, records)
    for url in list(crawl.links):
        if url not in crawl.seen:
            crawl.get(url)
    # an empty POST to each address: form errors, problem+json, redirects
    for name, url in mine:
        if name not in NOT_POSTED:
            crawl.post(url, as_json=url.startswith("/api/"))
    return crawl


# Answers of 400 or more that may name the person, to a user who may see them.
ERRORS_THAT_NAME = {
    # "No certificate for <name> yet" (404) to the project leader of the match
    "referrals:certificate",
}

PERSONAS = [
    "a.project_leader",
    "a.volunteer_user",
    "a.school_referrer",
    "a.municipal_official",
    "privacy_officer",
    "superuser",
]


def _logged_canaries(records) -> list[str]:
    found = []
    for record in records:
        text = record_text(record)
        if has_canary(text):
            at = text.lower().find(CANARY.lower())
            found.append(f"{record.name} {record.levelname}: ...{text[max(0, at - 150) : at + 50]}")
    return found


def _processing_log_canaries() -> list[str]:
    return [
        str(row)
        for row in ProcessingLogEntry.objects.values()
        if any(has_canary(value) for value in row.values() if value is not None)
    ]


@pytest.mark.parametrize("persona", PERSONAS)
def test_no_personal_data_in_urls_errors_logs_or_the_processing_log(canary, client_for, persona):
    user = _get(canary, persona)

    with every_log_record() as records:
        crawl = crawl_as(client_for(user), user, canary, canary.a, canary.b)

    assert crawl.requests > 150  # the crawl really went round
    assert "\n".join(crawl.problems) == ""
    assert records, "no log record was captured at all"
    assert "\n".join(_logged_canaries(records)) == ""
    assert ProcessingLogEntry.objects.exists()
    assert _processing_log_canaries() == []


def test_the_crawl_would_see_a_name_in_a_link_a_redirect_a_log_or_an_error(canary, client_for):
    """The checks themselves: each kind of leak is caught."""
    crawl = Crawl(client_for(canary.a.project_leader))
    page = mock.Mock(
        status_code=200,
        content=f'<a href="/x/?q={FIRST_NAME}">x</a><form hx-post="/y/{CANARY.lower()}/">'.encode(),
        streaming=False,
    )
    page.get = {"Content-Type": "text/html"}.get
    crawl._check("GET", "/", page)
    redirect = mock.Mock(status_code=302, content=b"", streaming=False)
    redirect.get = {"Location": f"/z/?name={LAST_NAME}"}.get
    crawl._check("POST", "/", redirect)
    api = mock.Mock(
        status_code=409,
        content=json.dumps({"next": f"/api/v1/pupils/?q={CANARY}", "detail": CANARY}).encode(),
        streaming=False,
    )
    api.get = {"Content-Type": "application/problem+json"}.get
    crawl._check("GET", "/api/", api)
    assert len(crawl.problems) == 5

    with every_log_record() as records:
        logging.getLogger("referrals.somewhere").debug("pupil %s", FIRST_NAME)
        try:
            raise ValueError(LAST_NAME)
        except ValueError:
            logging.getLogger("django.request").error("failed", exc_info=True)
    assert len(_logged_canaries(records)) == 2


def test_template_debug_records_name_no_one(canary, client_for):
    """With LOG_LEVEL=DEBUG the template engine must not log a page's context."""
    client = client_for(canary.a.project_leader)
    with every_log_record() as records:
        client.get(reverse("referrals:match_detail", args=[canary.a.match.pk]))
    assert _logged_canaries(records) == []


# --- searching by name ------------------------------------------------------------------


def test_a_name_search_puts_the_name_in_no_url_and_no_log(canary, client_for):
    client = client_for(canary.a.project_leader)
    crawl = Crawl(client)

    with every_log_record() as records:
        response = crawl.post(reverse("initiatives:volunteer_list"), {"q": FIRST_NAME})
        assert response.status_code == 302
        page = crawl.get(response["Location"])
        again = crawl.get(response["Location"])  # reload, Back: the same result

    for result in (page, again):
        assert result.status_code == 200
        rows = re.findall(r'data-volunteer="(\d+)"', result.content.decode())
        assert rows == [str(canary.a.volunteer.pk)]
    assert "search=" in response["Location"]
    assert crawl.problems == []
    assert _logged_canaries(records) == []


def test_a_name_typed_into_the_address_is_not_used(canary, client_for):
    """An old bookmark with ?q=<name> shows the whole list: the address is no way to search."""
    response = client_for(canary.a.project_leader).get(
        reverse("initiatives:volunteer_list"), {"q": "Ouwerkerk-geen-treffer"}
    )
    rows = re.findall(r'data-volunteer="(\d+)"', response.content.decode())
    assert rows == [str(canary.a.volunteer.pk)]


def test_the_privacy_officer_finds_a_person_by_name_without_a_url(canary, client_for):
    crawl = Crawl(client_for(canary.privacy_officer))

    with every_log_record() as records:
        response = crawl.post(reverse("audit:log"), {"name": FIRST_NAME})

    assert response.status_code == 200
    assert reverse("audit:pupil_log", args=[canary.a.pupil.pk]) in response.content.decode()
    assert crawl.problems == []
    assert _logged_canaries(records) == []


# --- error pages ------------------------------------------------------------------------


def test_a_server_error_on_a_page_with_names_shows_and_logs_none(canary, client_for):
    client = client_for(canary.a.school_referrer)
    client.raise_request_exception = False
    crawl = Crawl(client)

    with (
        every_log_record() as records,
        mock.patch("referrals.selectors.next_step", side_effect=RuntimeError("broken")),
    ):
        response = crawl.get(reverse("referrals:school_list"))

    assert response.status_code == 500
    assert not has_canary(response.content.decode())
    assert crawl.problems == []
    assert any(r.name == "django.request" and r.exc_info for r in records)
    assert _logged_canaries(records) == []


def test_a_server_error_in_the_api_answers_problem_json_without_names(canary, client_for):
    client = client_for(canary.a.project_leader)
    client.raise_request_exception = False

    with (
        every_log_record() as records,
        mock.patch(
            "referrals.api.intake_views.PupilViewSet.paginate_queryset",
            side_effect=RuntimeError("broken"),
        ),
    ):
        response = client.get("/api/v1/pupils/")

    assert response.status_code == 500
    assert response["Content-Type"].startswith("application/problem+json")
    assert not has_canary(response.content.decode())
    assert _logged_canaries(records) == []


# --- email --------------------------------------------------------------------------------


def test_no_email_subject_names_a_person(canary, client_for, django_capture_on_commit_callbacks):
    from referrals.services import send_attention_digests
    from referrals.tasks import send_waitlist_reminder_email

    a = canary.a
    pupil = PupilFactory(
        initiative=a.initiative, school=a.school, first_name=FIRST_NAME, last_name=LAST_NAME
    )
    submitted = ReferralFactory(
        pupil=pupil, programme=a.programme, submitted=True, referred_by=a.school_referrer
    )
    leader = client_for(a.project_leader)

    with every_log_record() as records, django_capture_on_commit_callbacks(execute=True):
        # a status change: mail to the referring IB'er
        accepted = leader.post(
            reverse("referrals:leader_accept", args=[submitted.pk]),
            {"version": submitted.version},
        )
        # the waitlist reminder and the weekly digest to the project leaders
        send_waitlist_reminder_email(a.initiative.pk, [a.unmatched_referral.pk])
        send_attention_digests()
        # an invitation of a volunteer by name
        invited = leader.post(
            reverse("accounts_invite"),
            {
                "email": f"nieuw.{CANARY.lower()}@example.nl",
                "first_name": FIRST_NAME,
                "last_name": LAST_NAME,
                "role": "volunteer",
                "initiative": a.initiative.pk,
            },
        )

    assert accepted.status_code == 302 and not has_canary(accepted["Location"])
    assert invited.status_code == 302 and not has_canary(invited["Location"])
    kinds = {
        "status": [m for m in mail.outbox if m.to == [a.school_referrer.email]],
        "people": [m for m in mail.outbox if m.to == [a.project_leader.email]],
        "invitation": [m for m in mail.outbox if has_canary(m.to[0])],
    }
    assert len(kinds["status"]) == 1
    assert len(kinds["people"]) >= 2  # the reminder and the digest
    assert len(kinds["invitation"]) == 1
    for message in mail.outbox:
        assert not has_canary(message.subject), message.subject
        for link in re.findall(r"https?://\S+", message.body):
            assert not has_canary(link), link
    # Documented: the status email and the digest name a pupil by first name
    # and initial only; the waitlist reminder by full name (its test,
    # referrals/tests/test_services.py); the invitation greets by first name.
    [status] = kinds["status"]
    assert f"{FIRST_NAME} A." in status.body
    assert LAST_NAME not in status.body
    assert _logged_canaries(records) == []
