"""The school referrer's pages: refer a pupil, follow the referrals, withdraw."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext, ngettext

from accounts.tests.factories import MembershipFactory, project_leader_of, school_referrer_of
from core.models import SchoolGrade
from core.periods import school_year_start
from initiatives.models import ProgrammePlaces
from initiatives.tests.factories import ProgrammeFactory
from municipality.tests.factories import MunicipalityFactory, NeighbourhoodFactory
from referrals import services
from referrals.models import GoalEvaluation, Guardian, Pupil, Referral, ReferralStatusChange
from referrals.tests.factories import (
    ActionPlanFactory,
    EvaluationFactory,
    GoalEvaluationFactory,
    GoalFactory,
    GuardianFactory,
    PupilFactory,
    ReferralFactory,
    days_ago,
)
from schools.tests.factories import SchoolLocationFactory

pytestmark = pytest.mark.django_db

S = Referral.Status


# --- helpers ----------------------------------------------------------------


def t(message: str) -> str:
    """A message as the page shows it (Dutch by default, English until translated)."""
    with translation.override("nl"):
        return gettext(message)


def page(response) -> str:
    return html.unescape(response.content.decode())


def field_error(response, field_id: str) -> str:
    """The error message shown next to one field ('' when there is none)."""
    match = re.search(rf'id="{field_id}_error">(.*?)</div>', page(response), re.S)
    return match.group(1) if match else ""


def select_values(response, name: str) -> set[str]:
    match = re.search(rf'<select name="{name}".*?</select>', page(response), re.S)
    assert match, f"no select {name}"
    return set(re.findall(r'<option value="([^"]+)"', match.group(0)))


def nl_date(day: dt.date) -> str:
    with translation.override("nl"):
        return formats.date_format(day, "DATE_FORMAT")


def this_school_year() -> int:
    return school_year_start(timezone.localdate())


def referral_post(for_programme, **overrides) -> dict:
    """A complete referral with consent, as the form posts it."""
    data = {
        "first_name": "Noor",
        "last_name": "El Amrani",
        "date_of_birth": days_ago(10 * 365 + 100).isoformat(),
        "grade": str(SchoolGrade.GROEP_6),
        "neighbourhood": "",
        "postcode": "3531ab",
        "support_what": "Woordenschat uitbreiden.",
        "support_why": "Thuis wordt geen Nederlands gesproken.",
        "support_tried": "Extra leesbegeleiding in de klas.",
        "programme": str(for_programme.pk),
        "consent_given_by": "Fatima El Amrani",
        "consent_date": days_ago(2).isoformat(),
        "consent_method": Referral.ConsentMethod.IN_WRITING,
        "guardians-TOTAL_FORMS": "2",
        "guardians-INITIAL_FORMS": "0",
        "guardians-MIN_NUM_FORMS": "1",
        "guardians-MAX_NUM_FORMS": "4",
        "guardians-0-name": "Fatima El Amrani",
        "guardians-0-relationship": "mother",
        "guardians-0-phone": "06-12345678",
        "guardians-0-email": "fatima@example.nl",
        "guardians-0-language": "Arabisch",
        "guardians-0-interpreter_needed": "on",
        "guardians-1-name": "",
        "guardians-1-relationship": "",
        "guardians-1-phone": "",
        "guardians-1-email": "",
        "guardians-1-language": "",
        "action": "submit",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def without_consent(for_programme, **overrides) -> dict:
    return referral_post(
        for_programme, consent_given_by="", consent_date="", consent_method="", **overrides
    )


def row_counts() -> tuple[int, int, int]:
    return Pupil.objects.count(), Guardian.objects.count(), Referral.objects.count()


def school_referral(world, **kwargs) -> Referral:
    """A referral from world a's school to world a's programme."""
    return ReferralFactory(programme=world.a.programme, pupil__school=world.a.school, **kwargs)


# --- refer a pupil ------------------------------------------------------------


def test_referral_with_consent_is_submitted_with_pupil_and_guardians(
    client_for, world, mailoutbox, django_capture_on_commit_callbacks
):
    client = client_for(world.a.school_referrer)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(reverse("referrals:school_create"), referral_post(world.a.programme))

    referral = Referral.objects.get(pupil__last_name="El Amrani")
    assert response.status_code == 302
    assert response["Location"] == reverse("referrals:school_detail", kwargs={"pk": referral.pk})
    assert referral.status == S.SUBMITTED
    assert referral.referring_school == world.a.school
    assert referral.referred_by == world.a.school_referrer
    assert referral.consent_given_by == "Fatima El Amrani"
    assert referral.support_tried == "Extra leesbegeleiding in de klas."
    pupil = referral.pupil
    assert (pupil.first_name, pupil.grade, pupil.postcode) == ("Noor", 6, "3531 AB")
    assert pupil.school == world.a.school
    assert pupil.home_languages == ["Arabisch"]
    guardian = pupil.guardians.get()
    assert (guardian.name, guardian.phone, guardian.interpreter_needed) == (
        "Fatima El Amrani",
        "06-12345678",
        True,
    )
    # The status email task ran, but the referrer is not told about their own change.
    assert callbacks
    assert mailoutbox == []
    detail = client.get(response["Location"])
    assert t("The referral has been submitted to %(initiative)s.") % {
        "initiative": world.a.initiative.name
    } in page(detail)


def test_draft_can_be_saved_without_consent(client_for, world):
    client = client_for(world.a.school_referrer)

    response = client.post(
        reverse("referrals:school_create"), without_consent(world.a.programme, action="draft")
    )

    referral = Referral.objects.get(pupil__last_name="El Amrani")
    assert response.status_code == 302
    assert referral.status == S.DRAFT
    assert referral.submitted_at is None
    detail = page(client.get(response["Location"]))
    assert reverse("referrals:school_edit", kwargs={"pk": referral.pk}) in detail
    assert reverse("referrals:school_withdraw", kwargs={"pk": referral.pk}) not in detail


def test_submit_without_consent_shows_errors_at_consent_fields_and_saves_nothing(client_for, world):
    client = client_for(world.a.school_referrer)
    before = row_counts()

    response = client.post(reverse("referrals:school_create"), without_consent(world.a.programme))

    assert response.status_code == 200
    message = t("Parental consent is required before the referral can be submitted.")
    assert message in field_error(response, "id_consent_given_by")
    assert message in field_error(response, "id_consent_date")
    assert message in field_error(response, "id_consent_method")
    assert row_counts() == before
    # What was typed is still there.
    assert 'value="El Amrani"' in page(response)


def test_edit_draft_then_submit_with_consent(client_for, world):
    client = client_for(world.a.school_referrer)
    draft = school_referral(world, draft=True)
    url = reverse("referrals:school_edit", kwargs={"pk": draft.pk})

    form_page = client.get(url)
    assert f'value="{draft.pupil.last_name}"' in page(form_page)

    response = client.post(
        url,
        referral_post(
            world.a.programme,
            first_name=draft.pupil.first_name,
            last_name=draft.pupil.last_name,
            version=str(draft.version),
        ),
    )

    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == S.SUBMITTED
    assert draft.pupil.guardians.count() == 1
    assert Referral.objects.filter(pupil=draft.pupil).count() == 1


def test_edit_draft_can_remove_a_guardian_but_not_the_last(client_for, world):
    client = client_for(world.a.school_referrer)
    draft = school_referral(world, draft=True)
    first, second = GuardianFactory(pupil=draft.pupil), GuardianFactory(pupil=draft.pupil)
    url = reverse("referrals:school_edit", kwargs={"pk": draft.pk})
    data = referral_post(
        world.a.programme,
        first_name=draft.pupil.first_name,
        last_name=draft.pupil.last_name,
        action="draft",
        **{
            "guardians-TOTAL_FORMS": "3",
            "guardians-INITIAL_FORMS": "2",
            "guardians-0-name": first.name,
            "guardians-1-name": second.name,
            "guardians-1-phone": second.phone,
            "guardians-1-DELETE": "on",
            "guardians-2-name": "",
        },
    )

    assert f'value="{second.name}"' in page(client.get(url))
    response = client.post(url, data)

    assert response.status_code == 302
    assert list(draft.pupil.guardians.values_list("name", flat=True)) == [first.name]

    refused = client.post(url, {**data, "guardians-0-DELETE": "on"})
    assert refused.status_code == 200
    assert t("Give at least one parent or carer.") in page(refused)
    assert draft.pupil.guardians.count() == 1


def _draft_edit(world, draft, **overrides) -> dict:
    return referral_post(
        world.a.programme,
        first_name=draft.pupil.first_name,
        last_name=draft.pupil.last_name,
        version=str(draft.version),
        **overrides,
    )


def _stale_message() -> str:
    with translation.override("nl"):
        return services.ConcurrentChangeError().messages[0]


def test_two_colleagues_saving_the_same_draft_the_second_is_told(client_for, world):
    draft = school_referral(world, draft=True)
    colleague = school_referrer_of(world.a.school)
    url = reverse("referrals:school_edit", kwargs={"pk": draft.pk})
    # Both opened the form at version 1.
    first = client_for(world.a.school_referrer).post(
        url, _draft_edit(world, draft, support_what="Versie A", action="draft")
    )
    second = client_for(colleague).post(
        url, _draft_edit(world, draft, support_what="Versie B", action="draft")
    )

    assert first.status_code == 302
    assert second.status_code == 200
    assert _stale_message() in page(second)
    draft.refresh_from_db()
    assert draft.support_what == "Versie A"
    assert draft.version == 2


def test_a_stale_submit_after_a_colleagues_draft_save_is_refused(client_for, world):
    draft = school_referral(world, draft=True)
    colleague = school_referrer_of(world.a.school)
    url = reverse("referrals:school_edit", kwargs={"pk": draft.pk})
    opened = _draft_edit(world, draft, support_what="Versie A", action="submit")
    saved = client_for(colleague).post(
        url, _draft_edit(world, draft, support_what="Versie B", action="draft")
    )
    assert saved.status_code == 302

    response = client_for(world.a.school_referrer).post(url, opened)

    assert response.status_code == 200
    assert _stale_message() in page(response)
    draft.refresh_from_db()
    assert draft.status == S.DRAFT
    assert draft.support_what == "Versie B"
    assert not draft.status_changes.exists()


def test_a_draft_saved_and_submitted_in_one_go_moves_on_one_version(client_for, world):
    draft = school_referral(world, draft=True)

    response = client_for(world.a.school_referrer).post(
        reverse("referrals:school_edit", kwargs={"pk": draft.pk}), _draft_edit(world, draft)
    )

    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == S.SUBMITTED
    assert draft.version == 3  # the save claimed 2, the submit 3


def test_submitted_referral_cannot_be_edited(client_for, world):
    client = client_for(world.a.school_referrer)
    referral = school_referral(world, submitted=True)

    response = client.post(
        reverse("referrals:school_edit", kwargs={"pk": referral.pk}),
        referral_post(world.a.programme),
    )

    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.pupil.last_name != "El Amrani"


def test_programme_of_another_municipality_is_not_offered_and_is_rejected(client_for, world):
    client = client_for(world.a.school_referrer)

    offered = select_values(client.get(reverse("referrals:school_create")), "programme")
    assert str(world.a.programme.pk) in offered
    assert str(world.b.programme.pk) not in offered

    before = row_counts()
    response = client.post(reverse("referrals:school_create"), referral_post(world.b.programme))
    assert response.status_code == 200
    assert field_error(response, "id_programme")
    assert row_counts() == before


def test_programme_for_other_ages_is_rejected_at_the_programme_field(client_for, world):
    older = ProgrammeFactory(
        initiative=world.a.initiative,
        name="Huiswerkhulp VO",
        min_age=12,
        max_age=16,
        municipalities=[world.a.municipality],
    )
    client = client_for(world.a.school_referrer)
    before = row_counts()

    response = client.post(reverse("referrals:school_create"), referral_post(older, action="draft"))

    assert response.status_code == 200
    assert "12" in field_error(response, "id_programme")
    assert row_counts() == before


def test_neighbourhood_of_the_school_municipality_can_replace_the_postcode(client_for, world):
    wijk = NeighbourhoodFactory(municipality=world.a.municipality, name="Overvecht")
    elsewhere = NeighbourhoodFactory(municipality=world.b.municipality, name="Crabbehof")
    client = client_for(world.a.school_referrer)

    offered = select_values(client.get(reverse("referrals:school_create")), "neighbourhood")
    assert str(wijk.pk) in offered
    assert str(elsewhere.pk) not in offered

    missing = client.post(
        reverse("referrals:school_create"), referral_post(world.a.programme, postcode="")
    )
    assert field_error(missing, "id_postcode")

    response = client.post(
        reverse("referrals:school_create"),
        referral_post(world.a.programme, postcode="", neighbourhood=str(wijk.pk)),
    )
    assert response.status_code == 302
    assert Pupil.objects.get(last_name="El Amrani").neighbourhood == wijk


def test_referrer_of_several_schools_chooses_the_school(client_for, world):
    other_school = SchoolLocationFactory(municipality=world.a.municipality)
    user = world.a.school_referrer
    MembershipFactory(user=user, school_referrer=True, school=other_school)
    client = client_for(user)

    assert select_values(client.get(reverse("referrals:school_create")), "school") == {
        str(world.a.school.pk),
        str(other_school.pk),
    }
    response = client.post(
        reverse("referrals:school_create"),
        referral_post(world.a.programme, school=str(other_school.pk)),
    )

    assert response.status_code == 302
    assert Referral.objects.get(pupil__last_name="El Amrani").referring_school == other_school


def test_single_school_referrer_gets_no_school_choice(client_for, world):
    response = client_for(world.a.school_referrer).get(reverse("referrals:school_create"))

    assert response.status_code == 200
    assert '<select name="school"' not in page(response)


# --- places -------------------------------------------------------------------


def test_places_left_are_shown_and_a_referral_beyond_them_waits_for_a_place(client_for, world):
    # world.a.referral (matched, this school year) already takes one of the two places.
    ProgrammePlaces.objects.create(
        programme=world.a.programme, school=world.a.school, school_year=this_school_year(), places=2
    )
    client = client_for(world.a.school_referrer)
    with translation.override("nl"):
        one_left = ngettext("%(left)s place left", "%(left)s places left", 1) % {"left": 1}

    assert one_left in page(client.get(reverse("referrals:school_create")))
    fragment = client.get(
        reverse("referrals:school_places"),
        {"programme": world.a.programme.pk, "school": world.a.school.pk},
    )
    assert fragment.status_code == 200
    assert one_left in page(fragment)
    assert "<html" not in page(fragment)

    client.post(reverse("referrals:school_create"), referral_post(world.a.programme))
    last_place = Referral.objects.get(pupil__first_name="Noor")
    assert last_place.beyond_places is False

    client.post(
        reverse("referrals:school_create"),
        referral_post(world.a.programme, first_name="Sami", last_name="Yilmaz"),
    )
    beyond = Referral.objects.get(pupil__first_name="Sami")
    assert beyond.status == S.SUBMITTED
    assert beyond.beyond_places is True

    mark = t("waiting for a place")
    listing = page(client.get(reverse("referrals:school_list")))
    row = re.search(r"<tr[^>]*>(?:(?!</tr>).)*Sami Yilmaz.*?</tr>", listing, re.S).group(0)
    assert mark in row
    noor_row = re.search(r"<tr[^>]*>(?:(?!</tr>).)*Noor El Amrani.*?</tr>", listing, re.S).group(0)
    assert mark not in noor_row
    detail = client.get(reverse("referrals:school_detail", kwargs={"pk": beyond.pk}))
    assert mark in page(detail)
    assert t("no places left") in page(
        client.get(reverse("referrals:school_places"), {"programme": world.a.programme.pk})
    )


# --- possible duplicates --------------------------------------------------------


def test_possible_duplicate_is_shown_and_saving_needs_confirmation(client_for, world):
    known = world.a.pupil
    client = client_for(world.a.school_referrer)
    data = referral_post(
        world.a.programme,
        first_name=known.first_name.upper(),
        last_name=known.last_name,
        date_of_birth=known.date_of_birth.isoformat(),
    )
    before = row_counts()

    warned = client.post(reverse("referrals:school_create"), data)

    assert warned.status_code == 200
    assert reverse("referrals:school_detail", kwargs={"pk": world.a.referral.pk}) in page(warned)
    assert field_error(warned, "id_confirm_duplicate")
    assert row_counts() == before

    saved = client.post(reverse("referrals:school_create"), {**data, "confirm_duplicate": "on"})

    assert saved.status_code == 302
    assert Referral.objects.count() == before[2] + 1


def test_duplicate_warning_does_not_reveal_another_schools_pupil(client_for, world):
    other_school = SchoolLocationFactory(municipality=world.a.municipality)
    theirs = PupilFactory(initiative=world.a.initiative, school=other_school)
    ReferralFactory(programme=world.a.programme, pupil=theirs)
    client = client_for(world.a.school_referrer)

    response = client.post(
        reverse("referrals:school_create"),
        referral_post(
            world.a.programme,
            first_name=theirs.first_name,
            last_name=theirs.last_name,
            date_of_birth=theirs.date_of_birth.isoformat(),
        ),
    )

    assert response.status_code == 302


# --- my referrals -----------------------------------------------------------------


def test_list_shows_the_schools_referrals_with_next_step(client_for, world):
    waiting = school_referral(world, waiting=True)

    response = client_for(world.a.school_referrer).get(reverse("referrals:school_list"))

    text = page(response)
    assert response.status_code == 200
    assert world.a.pupil.full_name in text
    assert waiting.pupil.full_name in text
    assert t("Waiting for a volunteer") in text
    assert world.b.pupil.full_name not in text
    # The parent referral of world a is not the school's.
    assert world.a.unmatched_pupil.full_name not in text


def list_row(response, name: str) -> list[str]:
    """The cells of the list row of the pupil ``name``, as text."""
    for row in re.findall(r'<tr class="utrecht-table__row">(.*?)</tr>', page(response), re.S):
        if name in row:
            cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
            return [re.sub(r"<[^>]+>", "", cell).strip() for cell in cells]
    raise AssertionError(f"no row for {name}")


def short_nl_date(moment: dt.datetime) -> str:
    with translation.override("nl"):
        return formats.date_format(timezone.localtime(moment).date(), "SHORT_DATE_FORMAT")


def test_list_shows_days_waiting_and_the_date_of_the_last_change(client_for, world):
    now = timezone.now()
    waiting = school_referral(
        world,
        waiting=True,
        submitted_at=now - dt.timedelta(days=12),
        status_changed_at=now - dt.timedelta(days=3),
        waiting_since=now - dt.timedelta(days=3),
    )
    in_intake = school_referral(
        world,
        intake=True,
        submitted_at=now - dt.timedelta(days=5),
        status_changed_at=now - dt.timedelta(days=1),
    )
    completed = school_referral(
        world,
        completed=True,
        submitted_at=now - dt.timedelta(days=200),
        status_changed_at=now - dt.timedelta(days=40),
    )

    response = client_for(world.a.school_referrer).get(reverse("referrals:school_list"))

    # Pupil, programme, status, days waiting, next step, last change.
    waiting_row = list_row(response, waiting.pupil.full_name)
    assert waiting_row[3] == "12"
    assert waiting_row[5] == short_nl_date(now - dt.timedelta(days=3))
    intake_row = list_row(response, in_intake.pupil.full_name)
    assert intake_row[3] == "5"
    assert intake_row[5] == short_nl_date(now - dt.timedelta(days=1))
    completed_row = list_row(response, completed.pupil.full_name)
    assert completed_row[3] == "–"  # no longer waiting
    assert completed_row[5] == short_nl_date(now - dt.timedelta(days=40))


def test_list_filters_by_status_and_school_year(client_for, world):
    waiting = school_referral(world, waiting=True)
    old = school_referral(world, completed=True, school_year=this_school_year() - 1)
    client = client_for(world.a.school_referrer)
    url = reverse("referrals:school_list")

    by_status = page(client.get(url, {"status": S.WAITING}))
    assert waiting.pupil.full_name in by_status
    assert world.a.pupil.full_name not in by_status
    assert old.pupil.full_name not in by_status

    by_year = page(client.get(url, {"school_year": this_school_year() - 1}))
    assert old.pupil.full_name in by_year
    assert waiting.pupil.full_name not in by_year
    assert world.a.pupil.full_name not in by_year


def test_list_query_count_does_not_grow_with_rows(client_for, world, django_assert_max_num_queries):
    client = client_for(world.a.school_referrer)
    url = reverse("referrals:school_list")
    for _ in range(3):
        school_referral(world, waiting=True, beyond_places=True)
    client.get(url)  # session, caches
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200

    for _ in range(20):
        school_referral(world, waiting=True)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert len(response.context["rows"]) == 24


def test_list_is_paginated_by_twenty_five(client_for, world):
    for _ in range(25):
        school_referral(world, submitted=True)
    client = client_for(world.a.school_referrer)

    first = client.get(reverse("referrals:school_list"))
    second = client.get(reverse("referrals:school_list"), {"page": 2})

    assert len(first.context["rows"]) == 25
    assert len(second.context["rows"]) == 1


# --- detail ---------------------------------------------------------------------------


def test_detail_shows_history_goals_match_and_sessions_but_no_notes_or_volunteer(client_for, world):
    referral = world.a.referral
    volunteer = world.a.volunteer
    volunteer.first_name, volunteer.last_name = "Veronique", "Vrijwilligerszoon"
    volunteer.phone = "06-99887766"
    volunteer.save()
    volunteer.user.first_name, volunteer.user.last_name = "Veronique", "Vrijwilligerszoon"
    volunteer.user.save()
    ReferralStatusChange.objects.create(
        referral=referral,
        from_status=S.SUBMITTED,
        to_status=S.INTAKE,
        reason="Past goed bij het project.",
        changed_by=world.a.project_leader,
        changed_at=timezone.now() - dt.timedelta(days=6),
    )
    plan = ActionPlanFactory(referral=referral)
    goal = GoalFactory(plan=plan, description="Leest elke week een boek uit.")
    evaluation = EvaluationFactory(referral=referral, summary="Vertrouwelijke samenvatting.")
    GoalEvaluationFactory(evaluation=evaluation, goal=goal, result="achieved", note="Topper")

    response = client_for(world.a.school_referrer).get(
        reverse("referrals:school_detail", kwargs={"pk": referral.pk})
    )

    text = page(response)
    assert response.status_code == 200
    assert "Past goed bij het project." in text
    assert goal.description in text
    with translation.override("nl"):
        assert str(GoalEvaluation.Result.ACHIEVED.label) in text
    since = t("Yes, since %(since)s") % {"since": nl_date(world.a.match.start_date)}
    assert since in text
    sessions = re.search(rf"<dt>{re.escape(t('Sessions held'))}</dt>\s*<dd>(\d+)</dd>", text)
    assert sessions.group(1) == "1"
    assert world.a.contact_moment.note not in text
    for secret in (
        "Veronique",
        "Vrijwilligerszoon",
        volunteer.email,
        volunteer.phone,
        volunteer.user.email,
        "Vertrouwelijke samenvatting.",
        "Topper",
    ):
        assert secret not in text
    # Matched: no longer to be withdrawn or edited by the school.
    assert reverse("referrals:school_withdraw", kwargs={"pk": referral.pk}) not in text
    assert reverse("referrals:school_edit", kwargs={"pk": referral.pk}) not in text


def test_detail_of_open_referral_links_to_withdraw(client_for, world):
    referral = school_referral(world, submitted=True)

    text = page(
        client_for(world.a.school_referrer).get(
            reverse("referrals:school_detail", kwargs={"pk": referral.pk})
        )
    )

    assert reverse("referrals:school_withdraw", kwargs={"pk": referral.pk}) in text
    assert t("Not yet") in text


# --- access ---------------------------------------------------------------------------


def _school_urls(referral) -> list[str]:
    return [
        reverse("referrals:school_detail", kwargs={"pk": referral.pk}),
        reverse("referrals:school_edit", kwargs={"pk": referral.pk}),
        reverse("referrals:school_withdraw", kwargs={"pk": referral.pk}),
    ]


def test_referrer_gets_404_for_another_schools_referral_on_every_page(client_for, world):
    b_draft = ReferralFactory(programme=world.b.programme, pupil__school=world.b.school, draft=True)
    client = client_for(world.a.school_referrer)

    for referral in (world.b.referral, b_draft):
        detail, *changes = _school_urls(referral)
        assert client.get(detail).status_code == 404
        for url in changes:
            assert client.get(url).status_code == 404, url
            data = {
                "reason": "Weg",
                "version": referral.version,
                **referral_post(world.a.programme),
            }
            assert client.post(url, data).status_code == 404, url
    places = client.get(
        reverse("referrals:school_places"),
        {"school": world.b.school.pk, "programme": world.b.programme.pk},
    )
    assert places.status_code == 404
    world.b.referral.refresh_from_db()
    assert world.b.referral.status == S.MATCHED
    assert world.b.pupil.full_name not in page(client.get(reverse("referrals:school_list")))


@pytest.mark.parametrize("who", ["municipal_official", "project_leader", "volunteer_user"])
def test_other_roles_are_refused_and_see_no_pupil_names(client_for, world, who):
    client = client_for(getattr(world.a, who))
    urls = [
        reverse("referrals:school_list"),
        reverse("referrals:school_create"),
        reverse("referrals:school_places"),
        *_school_urls(world.a.referral),
    ]

    for url in urls:
        response = client.get(url)
        assert response.status_code == 403, url
        assert world.a.pupil.last_name not in page(response)
    posted = client.post(reverse("referrals:school_create"), referral_post(world.a.programme))
    assert posted.status_code == 403
    assert not Pupil.objects.filter(last_name="El Amrani").exists()


def test_outsider_is_refused(client_for, world):
    client = client_for(world.outsider)

    for url in [reverse("referrals:school_list"), *_school_urls(world.a.referral)]:
        response = client.get(url)
        assert response.status_code == 403
        assert world.a.pupil.last_name not in page(response)


def test_anonymous_is_sent_to_login(client, world):
    for url in [
        reverse("referrals:school_list"),
        reverse("referrals:school_create"),
        reverse("referrals:school_places"),
        *_school_urls(world.a.referral),
    ]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


def test_navigation_shows_referral_pages_to_school_referrers_only(client_for, world):
    list_url = reverse("referrals:school_list")
    create_url = reverse("referrals:school_create")

    referrer_home = page(client_for(world.a.school_referrer).get(reverse("home")))
    leader_home = page(client_for(world.a.project_leader).get(reverse("home")))

    assert f'href="{list_url}"' in referrer_home
    assert f'href="{create_url}"' in referrer_home
    assert f'href="{list_url}"' not in leader_home


# --- withdraw ---------------------------------------------------------------------------


def test_withdraw_with_reason(client_for, world):
    referral = school_referral(world, submitted=True)
    client = client_for(world.a.school_referrer)
    url = reverse("referrals:school_withdraw", kwargs={"pk": referral.pk})

    form = client.get(url)
    assert f'name="version" value="{referral.version}"' in page(form)

    response = client.post(url, {"reason": "Ouders hebben zelf bijles geregeld.", "version": 1})

    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == S.WITHDRAWN
    assert referral.outcome_reason == "Ouders hebben zelf bijles geregeld."
    detail = page(client.get(response["Location"]))
    assert "Ouders hebben zelf bijles geregeld." in detail
    assert t("None: referral withdrawn") in detail


def test_withdraw_without_reason_shows_error(client_for, world):
    referral = school_referral(world, submitted=True)

    response = client_for(world.a.school_referrer).post(
        reverse("referrals:school_withdraw", kwargs={"pk": referral.pk}),
        {"reason": "   ", "version": referral.version},
    )

    assert response.status_code == 200
    assert field_error(response, "id_reason")
    referral.refresh_from_db()
    assert referral.status == S.SUBMITTED


def test_withdraw_after_someone_else_changed_the_referral_shows_concurrency_message(
    client_for, world
):
    referral = school_referral(world, submitted=True)
    opened_version = referral.version
    services.referral_accept(referral=referral, user=world.a.project_leader)

    response = client_for(world.a.school_referrer).post(
        reverse("referrals:school_withdraw", kwargs={"pk": referral.pk}),
        {"reason": "Niet meer nodig.", "version": opened_version},
    )

    assert response.status_code == 200
    with translation.override("nl"):
        message = services.ConcurrentChangeError().messages[0]
    assert message in page(response)
    referral.refresh_from_db()
    assert referral.status == S.INTAKE
    assert not referral.status_changes.filter(to_status=S.WITHDRAWN).exists()


def test_matched_referral_cannot_be_withdrawn_by_the_school(client_for, world):
    response = client_for(world.a.school_referrer).post(
        reverse("referrals:school_withdraw", kwargs={"pk": world.a.referral.pk}),
        {"reason": "Toch niet.", "version": world.a.referral.version},
    )

    assert response.status_code == 302
    world.a.referral.refresh_from_db()
    assert world.a.referral.status == S.MATCHED


# --- bad input -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "overrides",
    [
        {"date_of_birth": "31-02-abc"},
        {"date_of_birth": (timezone.localdate() + dt.timedelta(days=3)).isoformat()},
        {"consent_date": "gisteren"},
        {"consent_date": (timezone.localdate() + dt.timedelta(days=3)).isoformat()},
        {"programme": "999999"},
        {"programme": "abc"},
        {"grade": "99"},
        {"neighbourhood": "xyz"},
        {"consent_method": "telepathy"},
        {"postcode": "hallo"},
        {"guardians-0-email": "geen-email"},
        {"guardians-0-name": ""},
        {"guardians-TOTAL_FORMS": "x"},
        {"school": "1"},
        {"version": "abc"},
    ],
)
def test_invalid_referral_input_never_errors(client_for, world, overrides):
    before = row_counts()

    response = client_for(world.a.school_referrer).post(
        reverse("referrals:school_create"), referral_post(world.a.programme, **overrides)
    )

    # "school" is not a field for a one-school referrer: ignored, the referral is saved.
    if "school" in overrides:
        assert response.status_code == 302
    else:
        assert response.status_code == 200
        assert row_counts() == before


def test_invalid_query_parameters_never_error(client_for, world):
    client = client_for(world.a.school_referrer)

    assert (
        client.get(
            reverse("referrals:school_list"),
            {"status": "bogus", "school_year": "abc", "page": "zzz"},
        ).status_code
        == 200
    )
    assert client.get(reverse("referrals:school_places"), {"school": "abc"}).status_code == 404
    assert client.get(reverse("referrals:school_places"), {"school": "99999"}).status_code == 404
    assert client.get(reverse("referrals:school_places"), {"programme": "abc"}).status_code == 200
    assert client.get(reverse("referrals:school_places"), {"programme": "99999"}).status_code == 200
    assert client.get(reverse("referrals:school_detail", kwargs={"pk": 999999})).status_code == 404
    referral = school_referral(world, submitted=True)
    response = client.post(
        reverse("referrals:school_withdraw", kwargs={"pk": referral.pk}),
        {"reason": "Weg", "version": "abc"},
    )
    assert response.status_code == 200


def test_project_leader_with_a_school_membership_sees_only_the_school_list(client_for, world):
    """A person can hold both roles; the school pages show only the school's referrals."""
    user = project_leader_of(world.a.initiative)
    MembershipFactory(user=user, school_referrer=True, school=world.a.school)

    text = page(client_for(user).get(reverse("referrals:school_list")))

    assert world.a.pupil.full_name in text
    assert world.a.unmatched_pupil.full_name not in text


def test_school_in_a_municipality_without_programmes_offers_none(client_for, world):
    lonely_school = SchoolLocationFactory(municipality=MunicipalityFactory())
    user = school_referrer_of(lonely_school)

    response = client_for(user).get(reverse("referrals:school_create"))

    assert response.status_code == 200
    assert select_values(response, "programme") == set()
