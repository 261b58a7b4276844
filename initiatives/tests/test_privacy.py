"""A volunteer's data: anonymised after the retention period, exported and erased on request.

Time is frozen at 1 September 2025, 10:00. ``former_volunteer(world.a)`` is
Gerritdina Hoogstraten, who stopped yesterday (31 August 2025) after tutoring
for a year, with an account, a VOG, a training, availability, an ended match
and a status history whose texts name her; her data is due on 31 August 2026.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.apps import apps
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from accounts.models import ApiToken, Membership, Role, User
from accounts.tests.factories import TEST_PASSWORD, MembershipFactory
from accounts.tokens import api_token_create
from core import processing
from core.retention import ANONYMISED, add_months, anonymise_due_records
from initiatives import privacy
from initiatives.models import VOG, TrainingCompletion, Volunteer, VolunteerStatusChange
from initiatives.tests.factories import (
    AvailabilityFactory,
    InitiativeFactory,
    TrainingCompletionFactory,
    VOGFactory,
    VolunteerFactory,
    VolunteerStatusChangeFactory,
)
from referrals.models import ContactMoment, Match
from referrals.tests.factories import ContactMomentFactory, MatchFactory

pytestmark = pytest.mark.django_db

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
NOW = dt.datetime(2025, 9, 1, 10, 0, tzinfo=AMSTERDAM)
TODAY = NOW.date()
ENDED = TODAY - dt.timedelta(days=1)
DUE = add_months(ENDED, 12)
EMAIL = "gerritdina.hoogstraten@example.nl"
PERSONAL = (
    "Gerritdina",
    "Hoogstraten",
    "gerritdina.hoogstraten",
    "06-55443322",
    "3512 HV",
    "1990-04-05",
    "Vlieland",
    "Frysk",
)
S = Volunteer.Status


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def recorded(monkeypatch) -> list[dict]:
    calls: list[dict] = []
    monkeypatch.setattr(processing, "record_processing", lambda **kw: calls.append(kw))
    return calls


def former_volunteer(side, *, ended: dt.date = ENDED) -> Volunteer:
    """A volunteer of ``side`` who stopped on ``ended``; every text names her."""
    volunteer = VolunteerFactory(
        initiative=side.initiative,
        with_account=True,
        first_name="Gerritdina",
        last_name="Hoogstraten",
        email=EMAIL,
        phone="06-55443322",
        postcode="3512 HV",
        date_of_birth=dt.date(1990, 4, 5),
        languages=["Frysk"],
        intake_date=ended - dt.timedelta(days=380),
        intake_notes="Gerritdina was juf in Hoogstraten.",
        status=S.STOPPED,
        start_date=ended - dt.timedelta(days=365),
        end_date=ended,
        stop_reason="Verhuisd naar Vlieland",
        capacity=2,
    )
    volunteer.programmes.add(side.programme)
    VolunteerStatusChangeFactory(
        volunteer=volunteer,
        from_status=S.ACTIVE,
        to_status=S.STOPPED,
        date=ended,
        reason="Hoogstraten verhuist naar Vlieland",
    )
    AvailabilityFactory(volunteer=volunteer)
    VOGFactory(volunteer=volunteer, issued_on=ended - dt.timedelta(days=400))
    TrainingCompletionFactory(volunteer=volunteer, completed_on=ended - dt.timedelta(days=300))
    match = MatchFactory(
        programme=side.programme,
        volunteer=volunteer,
        start_date=ended - dt.timedelta(days=200),
        end_date=ended,
        end_reason=Match.EndReason.VOLUNTEER_STOPPED,
        end_note="Gerritdina verhuist naar Vlieland.",
    )
    ContactMomentFactory(match=match, date=ended - dt.timedelta(days=3), logged_by=volunteer.user)
    api_token_create(user=volunteer.user, name="Laptop van Gerritdina")
    if apps.is_installed("allauth.account"):
        apps.get_model("account", "EmailAddress").objects.create(
            user=volunteer.user, email=EMAIL, verified=True, primary=True
        )
    LogEntry.objects.create(
        user=side.project_leader,
        content_type=ContentType.objects.get_for_model(Volunteer),
        object_id=str(volunteer.pk),
        object_repr=str(volunteer),
        action_flag=CHANGE,
    )
    return volunteer


def dump() -> str:
    """Every row of the tables that can hold a volunteer's data, as JSON text."""
    labels = {"initiatives", "accounts", "referrals", "admin", "account", "mfa", "socialaccount"}
    return "\n".join(
        serializers.serialize("json", model.objects.all())
        for model in apps.get_models()
        if model._meta.app_label in labels
    )


def assert_nothing_personal_left(text: str) -> None:
    for value in PERSONAL:
        assert value not in text, value


def url(name: str, volunteer) -> str:
    return reverse(f"initiatives:{name}", args=[volunteer.pk])


# --- what is erased and what is kept ------------------------------------------------


def test_every_field_of_every_model_is_listed_as_erased_kept_or_deleted():
    models = [
        *apps.get_app_config("initiatives").get_models(),
        *apps.get_app_config("accounts").get_models(),
    ]
    for model in models:
        label = model._meta.label
        fields = {
            f.name
            for f in model._meta.get_fields()
            if f.concrete or (f.many_to_many and f.editable)
        }
        if label in privacy.DELETED:
            continue
        listed = set(privacy.ERASED.get(label, ())) | set(privacy.KEPT.get(label, ()))
        assert fields == listed, label


def test_anonymising_erases_every_personal_field_and_deactivates_the_account(world):
    volunteer = former_volunteer(world.a)
    user = volunteer.user
    before = dump()
    assert all(value in before for value in PERSONAL)

    assert privacy.volunteer_anonymise(volunteer=volunteer, reason="Bewaartermijn") is True

    assert_nothing_personal_left(dump())
    volunteer.refresh_from_db()
    assert volunteer.full_name.strip() == ANONYMISED
    assert (volunteer.email, volunteer.phone, volunteer.postcode) == ("", "", "")
    assert volunteer.date_of_birth is None
    assert (volunteer.intake_notes, volunteer.stop_reason, volunteer.languages) == ("", "", [])
    assert volunteer.user is None
    assert not volunteer.availability.exists()
    user.refresh_from_db()
    assert user.is_active is False
    assert user.get_full_name() == ANONYMISED
    assert not user.has_usable_password()
    assert not Membership.objects.filter(user=user).exists()
    assert not ApiToken.objects.filter(user=user).exists()
    assert Client().login(email=EMAIL, password=TEST_PASSWORD) is False
    # Who logged a session now shows as anonymised.
    logged = ContactMoment.objects.get(logged_by=user)
    assert str(logged.logged_by) == ANONYMISED


def test_anonymising_keeps_the_facts_the_figures_count(world):
    volunteer = former_volunteer(world.a)
    facts = Volunteer.objects.filter(pk=volunteer.pk).values(
        "initiative", "status", "start_date", "end_date", "intake_date", "capacity"
    )[0]

    privacy.volunteer_anonymise(volunteer=volunteer, reason="Bewaartermijn")

    assert Volunteer.objects.filter(pk=volunteer.pk).values(*facts)[0] == facts
    assert list(volunteer.programmes.all()) == [world.a.programme]
    assert list(
        VolunteerStatusChange.objects.filter(volunteer=volunteer).values_list(
            "from_status", "to_status", "date", "reason"
        )
    ) == [(S.ACTIVE, S.STOPPED, ENDED, "")]
    assert VOG.objects.filter(volunteer=volunteer).count() == 1
    assert TrainingCompletion.objects.filter(volunteer=volunteer).count() == 1
    match = Match.objects.get(volunteer=volunteer)
    assert (match.end_date, match.end_reason, match.end_note) == (ENDED, "volunteer_stopped", "")
    assert match.contact_moments.count() == 1


def test_an_account_with_another_role_is_kept_but_unlinked(world):
    volunteer = former_volunteer(world.a)
    user = volunteer.user
    elsewhere = InitiativeFactory()
    MembershipFactory(user=user, project_leader=True, initiative=elsewhere)

    privacy.volunteer_anonymise(volunteer=volunteer, reason="Bewaartermijn")

    user.refresh_from_db()
    volunteer.refresh_from_db()
    assert volunteer.user is None
    assert user.is_active and user.email == EMAIL
    assert list(Membership.objects.filter(user=user).values_list("role", flat=True)) == [
        Role.PROJECT_LEADER
    ]


def test_anonymising_twice_changes_nothing_the_second_time(world, recorded):
    volunteer = former_volunteer(world.a)
    assert privacy.volunteer_anonymise(volunteer=volunteer, reason="Bewaartermijn") is True
    after_first = dump()

    assert privacy.volunteer_anonymise(volunteer=volunteer, reason="Bewaartermijn") is False
    assert anonymise_due_records(today=DUE) == {"pupils": 0, "volunteers": 0}

    assert dump() == after_first
    assert len(recorded) == 1


def test_only_a_volunteer_who_stopped_without_active_matches_is_anonymised(world):
    with pytest.raises(ValidationError) as refused:
        privacy.volunteer_anonymise(volunteer=world.a.volunteer, reason="Verzoek")
    assert refused.value.code == "not_stopped"

    volunteer = former_volunteer(world.a)
    MatchFactory(programme=world.a.programme, volunteer=volunteer)  # still running
    with pytest.raises(ValidationError) as refused:
        privacy.volunteer_anonymise(volunteer=volunteer, reason="Verzoek")
    assert refused.value.code == "in_guidance"
    assert volunteer not in privacy.volunteers_due(today=add_months(TODAY, 60))
    volunteer.refresh_from_db()
    assert volunteer.full_name == "Gerritdina Hoogstraten"


def test_only_a_project_leader_of_the_initiative_may_erase(world):
    volunteer = former_volunteer(world.a)
    for user in (world.b.project_leader, world.a.volunteer_user, world.a.municipal_official):
        with pytest.raises(PermissionDenied):
            privacy.volunteer_anonymise(volunteer=volunteer, by=user, reason="Verzoek")
    with pytest.raises(ValidationError):
        privacy.volunteer_anonymise(volunteer=volunteer, by=world.a.project_leader, reason="")
    volunteer.refresh_from_db()
    assert volunteer.anonymised_at is None


# --- when: the retention period -----------------------------------------------------


def test_volunteer_is_due_twelve_months_after_stopping(world, settings):
    settings.VOLUNTEER_RETENTION_MONTHS = 12
    volunteer = former_volunteer(world.a)
    assert volunteer not in privacy.volunteers_due(today=DUE - dt.timedelta(days=1))
    assert volunteer in privacy.volunteers_due(today=DUE)
    settings.VOLUNTEER_RETENTION_MONTHS = 24
    assert volunteer not in privacy.volunteers_due(today=DUE)


def test_the_nightly_job_anonymises_only_the_volunteers_that_are_due(world, frozen):
    volunteer = former_volunteer(world.a)
    recent = VolunteerFactory(initiative=world.a.initiative, stopped=True, end_date=TODAY)
    frozen.move_to(dt.datetime.combine(DUE, dt.time(3), tzinfo=AMSTERDAM))

    from core.tasks import anonymise_due_records as task

    assert task.delay().get() == {"pupils": 0, "volunteers": 1}
    volunteer.refresh_from_db()
    recent.refresh_from_db()
    world.a.volunteer.refresh_from_db()
    assert volunteer.anonymised_at is not None
    assert recent.anonymised_at is None
    assert world.a.volunteer.full_name == "Wilhelmina Ouwerkerk"
    assert_nothing_personal_left(dump())


# --- export on request ------------------------------------------------------------------


def test_project_leader_downloads_all_data_of_the_volunteer_as_json(world, client_for, recorded):
    volunteer = former_volunteer(world.a)

    response = client_for(world.a.project_leader).get(url("volunteer_data_json", volunteer))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "Hoogstraten" not in response["Content-Disposition"]
    data = json.loads(response.content)
    assert (data["schema"], data["version"]) == ("aanvullend-leren.volunteer-export", 1)
    assert list(data) == [
        "schema",
        "version",
        "exported_at",
        "initiative",
        "volunteer",
        "account",
        "status_history",
        "vogs",
        "trainings",
        "availability",
        "matches",
    ]
    profile = data["volunteer"]
    assert (profile["first_name"], profile["last_name"]) == ("Gerritdina", "Hoogstraten")
    assert (profile["email"], profile["phone"], profile["postcode"]) == (
        EMAIL,
        "06-55443322",
        "3512 HV",
    )
    assert profile["date_of_birth"] == "1990-04-05"
    assert profile["intake_notes"] == "Gerritdina was juf in Hoogstraten."
    assert profile["programmes"] == [world.a.programme.name]
    assert data["account"]["email"] == EMAIL
    assert data["status_history"][0]["reason"] == "Hoogstraten verhuist naar Vlieland"
    assert data["vogs"][0]["issued_on"] == (ENDED - dt.timedelta(days=400)).isoformat()
    assert len(data["trainings"]) == 1
    assert data["availability"] == [
        {"weekday": 3, "weekday_label": "Woensdag", "start_time": "14:00", "end_time": "17:00"}
    ]
    (match,) = data["matches"]
    assert (match["pupils"], match["sessions_held"]) == (0, 1)
    assert match["end_note"] == "Gerritdina verhuist naar Vlieland."
    assert [c["action"] for c in recorded] == [processing.EXPORT_JSON]
    assert recorded[0]["record_type"] == processing.VOLUNTEER


def test_the_volunteer_export_names_no_pupil(world, client_for):
    response = client_for(world.a.project_leader).get(url("volunteer_data_json", world.a.volunteer))
    assert response.status_code == 200
    assert b"Zwartewaal" not in response.content
    assert json.loads(response.content)["matches"][0]["pupils"] == 1


def test_the_pdf_is_a_tagged_dutch_document_with_the_volunteers_data(world, client_for):
    from pypdf import PdfReader

    volunteer = former_volunteer(world.a)
    response = client_for(world.a.project_leader).get(url("volunteer_data_pdf", volunteer))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    assert "Gerritdina Hoogstraten" in text
    assert "Hoogstraten verhuist naar Vlieland" in text
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "nl"
    assert bool(root["/MarkInfo"]["/Marked"])
    assert "/StructTreeRoot" in root


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("outsider", 403),
        ("other_leader", 404),
        ("volunteer", 403),
        ("herself", 403),
        ("school_referrer", 403),
        ("official", 403),
    ],
)
def test_nobody_else_gets_the_export_or_can_erase(world, client_for, recorded, who, status):
    volunteer = former_volunteer(world.a)
    user = {
        "outsider": world.outsider,
        "other_leader": world.b.project_leader,
        "volunteer": world.a.volunteer_user,
        "herself": volunteer.user,
        "school_referrer": world.a.school_referrer,
        "official": world.a.municipal_official,
    }[who]
    client = client_for(user)
    for name in ("volunteer_data_json", "volunteer_data_pdf", "volunteer_erase"):
        response = client.get(url(name, volunteer))
        assert response.status_code == status, name
        # (her own name is in the page header when she is signed in herself)
        assert b"Vlieland" not in response.content and b"06-55443322" not in response.content
    response = client.post(url("volunteer_erase", volunteer), {"reason": "X", "confirm": "on"})
    assert response.status_code == status
    volunteer.refresh_from_db()
    assert volunteer.anonymised_at is None
    assert recorded == []


# --- early erasure on request -------------------------------------------------------


def test_the_volunteers_page_offers_the_export_and_the_erasure_to_the_leader_only(
    world, client_for
):
    volunteer = world.a.volunteer
    page = client_for(world.a.project_leader).get(url("volunteer_detail", volunteer))
    for name in ("volunteer_data_json", "volunteer_data_pdf", "volunteer_erase"):
        assert url(name, volunteer) in page.content.decode()
    own = client_for(world.a.volunteer_user).get(url("volunteer_detail", volunteer))
    assert own.status_code == 200
    assert url("volunteer_erase", volunteer) not in own.content.decode()


def test_early_erasure_needs_a_reason_and_a_confirmation(world, client_for, recorded):
    volunteer = former_volunteer(world.a)
    client = client_for(world.a.project_leader)
    page = client.get(url("volunteer_erase", volunteer))
    assert b'name="reason"' in page.content and b'name="confirm"' in page.content

    for data in ({"reason": " ", "confirm": "on"}, {"reason": "Op eigen verzoek"}):
        response = client.post(url("volunteer_erase", volunteer), data)
        assert response.status_code == 200
        assert b'aria-invalid="true"' in response.content
    volunteer.refresh_from_db()
    assert volunteer.full_name == "Gerritdina Hoogstraten"
    assert recorded == []


def test_early_erasure_really_erases(world, client_for, recorded):
    volunteer = former_volunteer(world.a)
    user = volunteer.user
    client = client_for(world.a.project_leader)

    response = client.post(
        url("volunteer_erase", volunteer), {"reason": "Op eigen verzoek", "confirm": "on"}
    )

    assert response.status_code == 302
    assert response["Location"] == url("volunteer_detail", volunteer)
    assert_nothing_personal_left(dump())
    page = client.get(url("volunteer_detail", volunteer)).content.decode()
    assert ANONYMISED in page and "Hoogstraten" not in page
    assert url("volunteer_erase", volunteer) not in page
    assert User.objects.get(pk=user.pk).is_active is False
    assert recorded == [
        {
            "user": world.a.project_leader,
            "action": processing.ERASE,
            "record_type": processing.VOLUNTEER,
            "record_id": volunteer.pk,
            "purpose": processing.PURPOSE_DATA_SUBJECT_REQUEST,
            "reason": "Op eigen verzoek",
        }
    ]


def test_early_erasure_of_a_volunteer_who_has_not_stopped_is_refused(world, client_for):
    client = client_for(world.a.project_leader)
    volunteer = world.a.volunteer
    page = client.get(url("volunteer_erase", volunteer))
    assert b'id="erase-blocked"' in page.content
    assert url("volunteer_status", volunteer) in page.content.decode()

    client.post(url("volunteer_erase", volunteer), {"reason": "Verzoek", "confirm": "on"})
    volunteer.refresh_from_db()
    assert volunteer.full_name == "Wilhelmina Ouwerkerk"
