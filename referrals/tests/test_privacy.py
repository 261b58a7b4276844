"""A pupil's data: anonymised after the retention period, exported and erased on request.

Time is frozen at 1 September 2025, 10:00. ``rich_history(world.a)`` gives
Yasmina Zwartewaal (world a's pupil) a full history in which every free text
holds "Zwartewaal"; ``end_guidance(world.a)`` completes her match and
referral yesterday (31 August 2025), so her data is due on 31 August 2026.
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
from django.urls import reverse

from core import processing
from core.retention import ANONYMISED, add_months, anonymise_due_records
from municipality.tests.factories import NeighbourhoodFactory
from referrals import privacy
from referrals.models import (
    ContactMoment,
    Guardian,
    ImpactScore,
    Match,
    MatchParticipant,
    PriorityChange,
    Pupil,
    Referral,
    ReferralStatusChange,
)
from referrals.tests.factories import (
    ActionPlanFactory,
    ContactMomentFactory,
    EvaluationFactory,
    GoalEvaluationFactory,
    GoalFactory,
    ImpactMeasurementFactory,
    ImpactScoreFactory,
    PupilAvailabilityFactory,
    ReferralFactory,
    TripartiteMeetingFactory,
)

pytestmark = pytest.mark.django_db

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
NOW = dt.datetime(2025, 9, 1, 10, 0, tzinfo=AMSTERDAM)
TODAY = NOW.date()
ENDED = TODAY - dt.timedelta(days=1)
DUE = add_months(ENDED, 12)  # 31 August 2026
SECRET = "Zwartewaal"
# Every personal value of world a's pupil and guardian (see rich_history).
PERSONAL = (
    SECRET,
    "Yasmina",
    "06-11223344",
    "fatima.zwartewaal",
    "3531 ZW",
    "Tigrinya",
    "Dyslexie",
)
S = Referral.Status


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def recorded(monkeypatch) -> list[dict]:
    """What the services hand to the processing log."""
    calls: list[dict] = []
    monkeypatch.setattr(processing, "record_processing", lambda **kw: calls.append(kw))
    return calls


def rich_history(side) -> None:
    """Give the side's pupil a full record in which every text names the family."""
    pupil, referral = side.pupil, side.referral
    Pupil.objects.filter(pk=pupil.pk).update(
        postcode="3531 ZW",
        home_languages=["Tigrinya"],
        needs=f"Dyslexie; moeder {SECRET} helpt thuis.",
        neighbourhood=NeighbourhoodFactory(municipality=side.municipality, name="Lombok"),
    )
    Guardian.objects.filter(pk=side.guardian.pk).update(
        phone="06-11223344",
        email="fatima.zwartewaal@example.nl",
        language="Tigrinya",
        interpreter_needed=True,
    )
    Referral.objects.filter(pk=referral.pk).update(
        source_detail=f"Juf {SECRET}",
        support_what=f"{SECRET} leest moeizaam.",
        support_why=f"Thuis bij {SECRET} wordt Tigrinya gesproken.",
        support_tried=f"Extra leesbegeleiding voor {SECRET}.",
        consent_given_by="Fatima Zwartewaal",
    )
    ReferralStatusChange.objects.create(
        referral=referral,
        from_status=S.SUBMITTED,
        to_status=S.INTAKE,
        reason=f"Gesprek met familie {SECRET}",
        changed_at=NOW - dt.timedelta(days=60),
    )
    PriorityChange.objects.create(
        referral=referral,
        from_priority=3,
        to_priority=1,
        reason=f"Vader {SECRET} is ziek",
        changed_at=NOW - dt.timedelta(days=55),
    )
    meeting = TripartiteMeetingFactory(
        referral=referral,
        planned_at=NOW - dt.timedelta(days=50),
        agreements=f"{SECRET} leest elke dag thuis.",
        parent_conditions=f"Familie {SECRET} brengt haar op tijd.",
    )
    plan = ActionPlanFactory(referral=referral, meeting=meeting)
    goal = GoalFactory(
        plan=plan, description=f"{SECRET} leest groep-6-teksten.", responsible="Fatima Zwartewaal"
    )
    evaluation = EvaluationFactory(
        referral=referral,
        moment="end",
        held_on=ENDED,
        summary=f"{SECRET} leest nu vlot.",
        pupil_satisfaction=5,
        parent_satisfaction=4,
    )
    GoalEvaluationFactory(
        evaluation=evaluation, goal=goal, result="achieved", note=f"Trots op {SECRET}"
    )
    start = ImpactMeasurementFactory(referral=referral, moment="start", measured_on=TODAY)
    ImpactScoreFactory(measurement=start, score=2)
    PupilAvailabilityFactory(pupil=pupil)
    ContactMomentFactory(match=side.match, date=ENDED, note=f"Laatste sessie met {SECRET}.")
    ContactMomentFactory(
        match=None, pupil=pupil, kind=ContactMoment.Kind.PARENT, note=f"Moeder {SECRET} gebeld."
    )
    LogEntry.objects.create(
        user=side.project_leader,
        content_type=ContentType.objects.get_for_model(Pupil),
        object_id=str(pupil.pk),
        object_repr=str(pupil),
        action_flag=CHANGE,
    )
    pupil.refresh_from_db()


def end_guidance(side, *, on: dt.date = ENDED) -> None:
    """The side's match and referral ended (completed) on ``on``."""
    Match.objects.filter(pk=side.match.pk).update(
        end_date=on,
        end_reason=Match.EndReason.COMPLETED,
        end_note=f"Afgerond; {side.pupil.last_name} blij.",
    )
    MatchParticipant.objects.filter(pk=side.participant.pk).update(left_on=on)
    Referral.objects.filter(pk=side.referral.pk).update(
        status=S.COMPLETED,
        status_changed_at=dt.datetime.combine(on, dt.time(15), tzinfo=AMSTERDAM),
    )


def dump(*app_labels: str) -> str:
    """Every row of every table of these apps, as JSON text."""
    return "\n".join(
        serializers.serialize("json", model.objects.all())
        for model in apps.get_models()
        if model._meta.app_label in app_labels
    )


def assert_nothing_personal_left(text: str) -> None:
    for value in PERSONAL:
        assert value not in text, value


def leader_page(client, side) -> str:
    return client.get(reverse("referrals:leader_detail", args=[side.referral.pk])).content.decode()


# --- what is erased and what is kept ------------------------------------------------


def test_every_field_of_every_model_is_listed_as_erased_kept_or_deleted():
    for model in apps.get_app_config("referrals").get_models():
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


def test_anonymising_erases_every_personal_field_of_the_pupil_and_guardians(world):
    rich_history(world.a)
    end_guidance(world.a)
    before = dump("referrals", "admin")
    assert all(value in before for value in PERSONAL)  # the test data hold them all

    assert privacy.pupil_anonymise(pupil=world.a.pupil, by=None, reason="Bewaartermijn") is True

    assert_nothing_personal_left(dump("referrals", "admin"))
    pupil = Pupil.objects.get(pk=world.a.pupil.pk)
    assert (pupil.first_name, pupil.last_name, pupil.postcode, pupil.needs) == (
        ANONYMISED,
        "",
        "",
        "",
    )
    assert pupil.home_languages == []
    assert pupil.anonymised_at is not None
    assert not pupil.availability.exists()
    guardian = Guardian.objects.get(pk=world.a.guardian.pk)
    assert (guardian.name, guardian.phone, guardian.email, guardian.language) == (
        ANONYMISED,
        "",
        "",
        "",
    )
    assert guardian.interpreter_needed is False
    referral = Referral.objects.get(pk=world.a.referral.pk)
    assert (referral.support_what, referral.support_why, referral.support_tried) == ("", "", "")
    assert referral.consent_given_by == ANONYMISED  # required once submitted
    assert set(ContactMoment.objects.filter(pupil=pupil).values_list("note", flat=True)) == {""}


def test_anonymising_keeps_the_facts_the_figures_count(world):
    rich_history(world.a)
    end_guidance(world.a)
    pupil = world.a.pupil
    born, school, grade, area = (
        pupil.date_of_birth,
        pupil.school_id,
        pupil.grade,
        pupil.neighbourhood_id,
    )
    referral_facts = Referral.objects.filter(pk=world.a.referral.pk).values(
        "status", "submitted_at", "status_changed_at", "source", "referring_school", "consent_date"
    )[0]
    moments = list(
        ContactMoment.objects.order_by("pk").values_list(
            "pk", "kind", "date", "duration_minutes", "attendance", "match", "pupil"
        )
    )

    privacy.pupil_anonymise(pupil=pupil, reason="Bewaartermijn")

    pupil.refresh_from_db()
    assert pupil.date_of_birth == dt.date(born.year, 1, 1)
    assert (pupil.school_id, pupil.grade, pupil.neighbourhood_id) == (school, grade, area)
    assert Referral.objects.filter(pk=world.a.referral.pk).values(*referral_facts)[0] == (
        referral_facts
    )
    assert (
        list(
            ContactMoment.objects.order_by("pk").values_list(
                "pk", "kind", "date", "duration_minutes", "attendance", "match", "pupil"
            )
        )
        == moments
    )
    assert list(
        ReferralStatusChange.objects.filter(referral=world.a.referral).values_list(
            "to_status", flat=True
        )
    ) == [S.INTAKE]
    assert list(ImpactScore.objects.values_list("score", flat=True)) == [2]
    evaluation = world.a.referral.evaluations.get()
    assert (evaluation.pupil_satisfaction, evaluation.parent_satisfaction) == (5, 4)
    assert evaluation.goal_results.get().result == "achieved"
    assert Guardian.objects.get(pk=world.a.guardian.pk).relationship == "mother"
    match = Match.objects.get(pk=world.a.match.pk)
    assert (match.end_date, match.end_reason, match.end_note) == (ENDED, "completed", "")


def test_other_pupils_are_untouched(world):
    end_guidance(world.a)
    other = world.b.pupil
    privacy.pupil_anonymise(pupil=world.a.pupil, reason="Bewaartermijn")
    other.refresh_from_db()
    assert other.full_name == "Thijmen Korteweg-Ankersmit"
    assert other.anonymised_at is None
    assert ContactMoment.objects.get(pk=world.b.contact_moment.pk).note.startswith("Goede sessie")


def test_anonymising_twice_changes_nothing_the_second_time(world, recorded):
    rich_history(world.a)
    end_guidance(world.a)
    assert privacy.pupil_anonymise(pupil=world.a.pupil, reason="Bewaartermijn") is True
    after_first = dump("referrals", "admin", "initiatives", "accounts")
    assert [(c["action"], c["record_type"], c["user"]) for c in recorded] == [
        (processing.ANONYMISE, processing.PUPIL, None),
        (processing.ANONYMISE, processing.GUARDIAN, None),
    ]

    assert privacy.pupil_anonymise(pupil=world.a.pupil, reason="Bewaartermijn") is False
    assert anonymise_due_records(today=DUE) == {"pupils": 0, "volunteers": 0}

    assert dump("referrals", "admin", "initiatives", "accounts") == after_first
    assert len(recorded) == 2  # nothing recorded the second time


def test_anonymising_needs_a_reason(world):
    end_guidance(world.a)
    with pytest.raises(ValidationError):
        privacy.pupil_anonymise(pupil=world.a.pupil, reason="  ")
    world.a.pupil.refresh_from_db()
    assert world.a.pupil.anonymised_at is None


def test_a_pupil_in_guidance_is_never_anonymised(world):
    with pytest.raises(ValidationError) as refused:
        privacy.pupil_anonymise(pupil=world.a.pupil, reason="Bewaartermijn")
    assert refused.value.code == "in_guidance"
    # Years later, with the match still running, the nightly job leaves her alone too.
    assert world.a.pupil not in privacy.pupils_due(today=add_months(TODAY, 60))
    world.a.pupil.refresh_from_db()
    assert world.a.pupil.full_name == "Yasmina Zwartewaal"


def test_only_a_project_leader_of_the_initiative_may_erase(world):
    end_guidance(world.a)
    for user in (world.b.project_leader, world.a.volunteer_user, world.a.school_referrer):
        with pytest.raises(PermissionDenied):
            privacy.pupil_anonymise(pupil=world.a.pupil, by=user, reason="Verzoek")
    world.a.pupil.refresh_from_db()
    assert world.a.pupil.anonymised_at is None


# --- when: the retention period -----------------------------------------------------


def test_pupil_is_due_twelve_months_after_the_guidance_ended(world, settings):
    settings.PUPIL_RETENTION_MONTHS = 12
    end_guidance(world.a)
    assert privacy.pupil_guidance_ended_on(world.a.pupil) == ENDED

    assert world.a.pupil not in privacy.pupils_due(today=DUE - dt.timedelta(days=1))
    assert world.a.pupil in privacy.pupils_due(today=DUE)


def test_the_retention_period_is_configurable(world, settings):
    settings.PUPIL_RETENTION_MONTHS = 3
    end_guidance(world.a)
    assert world.a.pupil in privacy.pupils_due(today=add_months(ENDED, 3))


def test_the_latest_end_counts_a_later_declined_referral_keeps_the_data_longer(world):
    end_guidance(world.a)
    later = ENDED + dt.timedelta(days=20)
    ReferralFactory(
        pupil=world.a.pupil,
        programme=world.a.programme,
        declined=True,
        status_changed_at=dt.datetime.combine(later, dt.time(9), tzinfo=AMSTERDAM),
    )
    assert privacy.pupil_guidance_ended_on(world.a.pupil) == later
    assert world.a.pupil not in privacy.pupils_due(today=DUE)
    assert world.a.pupil in privacy.pupils_due(today=add_months(later, 12))


def test_an_open_referral_keeps_the_data_however_long_ago_the_match_ended(world):
    end_guidance(world.a)
    ReferralFactory(pupil=world.a.pupil, programme=world.a.programme, waiting=True)
    assert privacy.pupil_guidance_ended_on(world.a.pupil) is None
    assert world.a.pupil not in privacy.pupils_due(today=add_months(TODAY, 60))


def test_the_nightly_job_anonymises_only_the_pupils_that_are_due(world, frozen):
    rich_history(world.a)
    end_guidance(world.a)
    end_guidance(world.b, on=TODAY)  # a day later: not due yet on DUE
    # world a's waiting pupil and everyone in world b are still in guidance or within the period.
    frozen.move_to(dt.datetime.combine(DUE, dt.time(3), tzinfo=AMSTERDAM))

    from core.tasks import anonymise_due_records as task

    assert task.delay().get() == {"pupils": 1, "volunteers": 0}

    world.a.pupil.refresh_from_db()
    world.b.pupil.refresh_from_db()
    world.a.unmatched_pupil.refresh_from_db()
    assert world.a.pupil.anonymised_at is not None
    assert world.b.pupil.full_name == "Thijmen Korteweg-Ankersmit"
    assert world.a.unmatched_pupil.anonymised_at is None
    assert_nothing_personal_left(dump("referrals", "admin"))
    # Run again the same night: nothing more to do.
    assert task.delay().get() == {"pupils": 0, "volunteers": 0}


def test_the_beat_schedule_runs_the_anonymisation_nightly_at_three(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["anonymise-due-records"]
    assert entry["task"] == "core.tasks.anonymise_due_records"
    assert entry["schedule"].hour == {3} and entry["schedule"].minute == {0}


def test_a_bad_retention_setting_stops_the_start():
    from tests.test_settings import start

    result = start("config.settings.test", PUPIL_RETENTION_MONTHS="zero")
    assert result.returncode != 0
    assert "PUPIL_RETENTION_MONTHS" in result.stderr


# --- export on request ------------------------------------------------------------------


def json_url(side) -> str:
    return reverse("referrals:pupil_data_json", args=[side.pupil.pk])


def pdf_url(side) -> str:
    return reverse("referrals:pupil_data_pdf", args=[side.pupil.pk])


def erase_url(side) -> str:
    return reverse("referrals:pupil_erase", args=[side.pupil.pk])


def test_project_leader_downloads_all_data_of_the_pupil_as_json(world, client_for, recorded):
    rich_history(world.a)
    end_guidance(world.a)

    response = client_for(world.a.project_leader).get(json_url(world.a))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "attachment" in response["Content-Disposition"]
    assert SECRET not in response["Content-Disposition"]
    data = json.loads(response.content)
    assert (data["schema"], data["version"]) == ("aanvullend-leren.pupil-export", 1)
    assert list(data) == [
        "schema",
        "version",
        "exported_at",
        "initiative",
        "pupil",
        "learner_profile",
        "guardians",
        "availability",
        "referrals",
        "matches",
        "contact_moments",
    ]
    assert data["learner_profile"] is None  # a child
    assert data["pupil"]["first_name"] == "Yasmina"
    assert data["pupil"]["postcode"] == "3531 ZW"
    assert data["pupil"]["date_of_birth"] == world.a.pupil.date_of_birth.isoformat()
    assert data["guardians"][0]["name"] == "Fatima Zwartewaal"
    assert data["guardians"][0]["phone"] == "06-11223344"
    assert data["availability"][0]["start_time"] == "14:00"
    (referral,) = data["referrals"]
    assert referral["support_what"] == f"{SECRET} leest moeizaam."
    assert referral["status"] == "completed"
    assert [c["reason"] for c in referral["status_history"]] == [f"Gesprek met familie {SECRET}"]
    assert referral["priority_changes"][0]["reason"] == f"Vader {SECRET} is ziek"
    assert referral["meetings"][0]["agreements"] == f"{SECRET} leest elke dag thuis."
    assert referral["goals"][0]["description"] == f"{SECRET} leest groep-6-teksten."
    assert referral["evaluations"][0]["goal_results"][0]["note"] == f"Trots op {SECRET}"
    assert referral["impact_measurements"][0]["scores"] == [{"question": "Leesplezier", "score": 2}]
    (match,) = data["matches"]
    assert match["volunteer"] == "Wilhelmina Ouwerkerk"
    assert match["end_note"] == f"Afgerond; {SECRET} blij."
    assert {m["note"] for m in match["contact_moments"]} == {
        "Goede sessie met Yasmina.",
        f"Laatste sessie met {SECRET}.",
    }
    assert data["contact_moments"][0]["note"] == f"Moeder {SECRET} gebeld."
    assert recorded == [
        {
            "user": world.a.project_leader,
            "action": processing.EXPORT_JSON,
            "record_type": record_type,
            "record_id": record_id,
            "purpose": processing.PURPOSE_DATA_SUBJECT_REQUEST,
        }
        for record_type, record_id in (
            (processing.PUPIL, world.a.pupil.pk),
            (processing.GUARDIAN, world.a.guardian.pk),
        )
    ]


def test_the_pdf_is_a_tagged_dutch_document_with_the_pupils_data(world, client_for, recorded):
    from pypdf import PdfReader

    rich_history(world.a)
    response = client_for(world.a.project_leader).get(pdf_url(world.a))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    assert "Yasmina Zwartewaal" in text
    assert "Fatima Zwartewaal" in text
    assert f"{SECRET} leest elke dag thuis." in text
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "nl"
    assert bool(root["/MarkInfo"]["/Marked"])
    assert "/StructTreeRoot" in root
    assert "Yasmina Zwartewaal" in reader.metadata.title
    assert [(c["action"], c["record_type"]) for c in recorded] == [
        (processing.EXPORT_PDF, processing.PUPIL),
        (processing.EXPORT_PDF, processing.GUARDIAN),
    ]


def adult_learner_history(side) -> None:
    """Make the side's pupil an adult learner, with a drop-out signal and a coach check-in."""
    from referrals.models import CoachCheckIn, DropOutSignal, LearnerProfile

    LearnerProfile.objects.create(
        pupil=side.pupil,
        municipality=side.municipality,
        phone="06-99887766",
        email="yasmina.leert@example.nl",
        learning_route=LearnerProfile.LearningRoute.B1,
        level_goal=LearnerProfile.Level.B1,
        language_school="Taalschool Lombok",
        has_coach=True,
    )
    DropOutSignal.objects.create(
        referral=side.referral,
        match=side.match,
        signalled_on=ENDED,
        reason=f"Werk bij {SECRET} gaat voor",
        recorded_by=side.project_leader,
    )
    CoachCheckIn.objects.create(
        match=side.match,
        held_on=ENDED,
        note=f"Coach ziet {SECRET} groeien",
        recorded_by=side.project_leader,
    )


def test_the_export_holds_the_adult_learners_details_signals_and_check_ins(
    world, client_for, recorded
):
    adult_learner_history(world.a)

    data = json.loads(client_for(world.a.project_leader).get(json_url(world.a)).content)

    assert data["learner_profile"] == {
        "municipality": world.a.municipality.name,
        "phone": "06-99887766",
        "email": "yasmina.leert@example.nl",
        "learning_route": "b1",
        "learning_route_label": "B1-route",
        "level_goal": "B1",
        "language_school": "Taalschool Lombok",
        "has_coach": True,
    }
    (signal,) = data["referrals"][0]["drop_out_signals"]
    assert (signal["signalled_on"], signal["reason"], signal["match_id"]) == (
        ENDED.isoformat(),
        f"Werk bij {SECRET} gaat voor",
        world.a.match.pk,
    )
    assert data["matches"][0]["coach_check_ins"] == [
        {"held_on": ENDED.isoformat(), "note": f"Coach ziet {SECRET} groeien"}
    ]


def test_the_pdf_holds_the_adult_learners_details_signals_and_check_ins(
    world, client_for, recorded
):
    from pypdf import PdfReader

    adult_learner_history(world.a)

    response = client_for(world.a.project_leader).get(pdf_url(world.a))

    reader = PdfReader(io.BytesIO(response.content))
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    for value in (
        "06-99887766",
        "yasmina.leert@example.nl",
        "Taalschool Lombok",
        "B1-route",
        f"Werk bij {SECRET} gaat voor",
        f"Coach ziet {SECRET} groeien",
    ):
        assert value in text, value


# Where the export holds each kind of record whose fields the anonymisation erases.
EXPORTED_AT = {
    "referrals.Pupil": ("pupil",),
    "referrals.Guardian": ("guardians", 0),
    "referrals.Referral": ("referrals", 0),
    "referrals.ReferralStatusChange": ("referrals", 0, "status_history", 0),
    "referrals.PriorityChange": ("referrals", 0, "priority_changes", 0),
    "referrals.TripartiteMeeting": ("referrals", 0, "meetings", 0),
    "referrals.Goal": ("referrals", 0, "goals", 0),
    "referrals.Evaluation": ("referrals", 0, "evaluations", 0),
    "referrals.GoalEvaluation": ("referrals", 0, "evaluations", 0, "goal_results", 0),
    "referrals.DropOutSignal": ("referrals", 0, "drop_out_signals", 0),
    "referrals.Match": ("matches", 0),
    "referrals.CoachCheckIn": ("matches", 0, "coach_check_ins", 0),
    "referrals.ContactMoment": ("contact_moments", 0),
    "referrals.LearnerProfile": ("learner_profile",),
}


def test_the_export_holds_every_field_the_anonymisation_erases(world):
    """What the right to erasure takes away, the right of access shows first."""
    from referrals.privacy.fields import ERASED

    rich_history(world.a)
    adult_learner_history(world.a)
    data = privacy.pupil_export_data(world.a.pupil)

    assert set(EXPORTED_AT) == set(ERASED)
    missing = []
    for model, path in EXPORTED_AT.items():
        record = data
        for step in path:
            record = record[step]
        missing += [f"{model}.{field}" for field in ERASED[model] if field not in record]
    assert missing == []


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("outsider", 403),
        ("other_leader", 404),
        ("volunteer", 403),
        ("school_referrer", 403),
        ("official", 403),
    ],
)
def test_nobody_else_gets_the_export_or_can_erase(world, client_for, recorded, who, status):
    end_guidance(world.a)
    user = {
        "outsider": world.outsider,
        "other_leader": world.b.project_leader,
        "volunteer": world.a.volunteer_user,
        "school_referrer": world.a.school_referrer,
        "official": world.a.municipal_official,
    }[who]
    client = client_for(user)
    for url in (json_url(world.a), pdf_url(world.a), erase_url(world.a)):
        response = client.get(url)
        assert response.status_code == status, url
        assert b"Zwartewaal" not in response.content
    response = client.post(erase_url(world.a), {"reason": "Verzoek", "confirm": "on"})
    assert response.status_code == status
    world.a.pupil.refresh_from_db()
    assert world.a.pupil.anonymised_at is None
    assert recorded == []


def test_anonymous_visitors_are_sent_to_the_login_page(world, client):
    for url in (json_url(world.a), pdf_url(world.a), erase_url(world.a)):
        response = client.get(url)
        assert response.status_code == 302
        assert reverse("account_login") in response["Location"]


# --- early erasure on request -------------------------------------------------------


def test_the_pupils_page_offers_the_export_and_the_erasure(world, client_for):
    page = leader_page(client_for(world.a.project_leader), world.a)
    assert json_url(world.a) in page
    assert pdf_url(world.a) in page
    assert erase_url(world.a) in page


def test_early_erasure_needs_a_reason_and_a_confirmation(world, client_for, recorded):
    rich_history(world.a)
    end_guidance(world.a)
    client = client_for(world.a.project_leader)

    page = client.get(erase_url(world.a))
    assert page.status_code == 200
    assert b'name="reason"' in page.content and b'name="confirm"' in page.content
    html = page.content.decode()
    assert "<script>" not in html and "<style" not in html and ' style="' not in html

    for data in ({"reason": "", "confirm": "on"}, {"reason": "Verzoek van moeder"}):
        response = client.post(erase_url(world.a), data)
        assert response.status_code == 200
        assert b'aria-invalid="true"' in response.content
    world.a.pupil.refresh_from_db()
    assert world.a.pupil.full_name == "Yasmina Zwartewaal"
    assert recorded == []


def test_early_erasure_really_erases(world, client_for, recorded):
    rich_history(world.a)
    end_guidance(world.a)
    client = client_for(world.a.project_leader)

    response = client.post(erase_url(world.a), {"reason": "Verzoek van de ouders", "confirm": "on"})

    assert response.status_code == 302
    assert response["Location"] == reverse("referrals:leader_detail", args=[world.a.referral.pk])
    assert_nothing_personal_left(dump("referrals", "admin"))
    page = leader_page(client, world.a)
    assert ANONYMISED in page
    assert SECRET not in page and "Yasmina" not in page
    assert erase_url(world.a) not in page  # nothing left to erase
    assert recorded == [
        {
            "user": world.a.project_leader,
            "action": processing.ERASE,
            "record_type": record_type,
            "record_id": record_id,
            "purpose": processing.PURPOSE_DATA_SUBJECT_REQUEST,
            "reason": "Verzoek van de ouders",
        }
        for record_type, record_id in (
            (processing.PUPIL, world.a.pupil.pk),
            (processing.GUARDIAN, world.a.guardian.pk),
        )
    ]
    # Erasing again: the page says it is done and nothing changes.
    again = client.post(erase_url(world.a), {"reason": "Nogmaals", "confirm": "on"})
    assert again.status_code == 200
    assert b'id="erase-done"' in again.content
    assert len(recorded) == 2


def test_early_erasure_is_refused_while_the_pupil_is_in_guidance(world, client_for):
    client = client_for(world.a.project_leader)
    page = client.get(erase_url(world.a))
    assert b'id="erase-blocked"' in page.content
    assert b'name="reason"' not in page.content

    client.post(erase_url(world.a), {"reason": "Verzoek van de ouders", "confirm": "on"})
    world.a.pupil.refresh_from_db()
    assert world.a.pupil.full_name == "Yasmina Zwartewaal"
