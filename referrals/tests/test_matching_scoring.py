"""Suggested volunteers for a waiting pupil: hard rules, scoring reasons, ranking."""

from __future__ import annotations

import datetime as dt
import random

import numpy as np
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import formats, timezone, translation
from django.utils.text import get_text_list
from django.utils.translation import gettext, ngettext

from core.models import SchoolGrade
from initiatives.models import Programme, Volunteer
from initiatives.tests.factories import (
    AvailabilityFactory,
    InitiativeFactory,
    ProgrammeFactory,
    TrainingCompletionFactory,
    TrainingFactory,
    VOGFactory,
    VolunteerFactory,
    days_ago,
)
from municipality.tests.factories import NeighbourhoodFactory
from referrals.matching import scoring
from referrals.matching.scoring import (
    ANY_SUBJECT,
    PupilProfile,
    VolunteerProfile,
    explain,
    merge_slots,
    normalise_language,
    score_matrix,
    suggestions_for,
)
from referrals.tests.factories import (
    GuardianFactory,
    MatchFactory,
    MatchParticipantFactory,
    PupilAvailabilityFactory,
    PupilFactory,
    ReferralFactory,
)


def eligible(initiative, **fields) -> Volunteer:
    """An active volunteer with a fresh VOG: nothing blocks a match."""
    volunteer = VolunteerFactory(initiative=initiative, active=True, **fields)
    VOGFactory(volunteer=volunteer)
    return volunteer


def suggested(referral, **kwargs) -> list[int]:
    return [s.volunteer.pk for s in suggestions_for(referral, **kwargs)]


def reason(suggestion_or_reasons, code: str):
    reasons = getattr(suggestion_or_reasons, "reasons", suggestion_or_reasons)
    (found,) = [r for r in reasons if r.code == code]
    return found


@pytest.fixture
def programme(db):
    return ProgrammeFactory()


@pytest.fixture
def referral(programme):
    return ReferralFactory(programme=programme, waiting=True)


# --- hard rules: never broken -------------------------------------------------------


def test_volunteer_without_vog_is_not_suggested(programme, referral):
    fine = eligible(programme.initiative)
    VolunteerFactory(initiative=programme.initiative, active=True)  # no VOG
    assert suggested(referral) == [fine.pk]


def test_vog_older_than_the_initiatives_maximum_age_excludes(programme, referral):
    initiative = programme.initiative
    volunteer = VolunteerFactory(initiative=initiative, active=True)
    VOGFactory(volunteer=volunteer, issued_on=days_ago(400))
    assert suggested(referral) == [volunteer.pk]  # three years allowed by default

    initiative.vog_max_age_years = 1
    initiative.save()
    assert suggested(referral) == []


def test_missing_initiative_wide_required_training_excludes(programme, referral):
    training = TrainingFactory(initiative=programme.initiative, required=True)
    trained = eligible(programme.initiative)
    TrainingCompletionFactory(volunteer=trained, training=training)
    eligible(programme.initiative)  # not trained
    assert suggested(referral) == [trained.pk]


def test_missing_programme_required_training_excludes(programme, referral):
    training = TrainingFactory(initiative=programme.initiative, required=False)
    programme.required_trainings.add(training)
    trained = eligible(programme.initiative)
    TrainingCompletionFactory(volunteer=trained, training=training)
    eligible(programme.initiative)
    assert suggested(referral) == [trained.pk]


@pytest.mark.parametrize(
    "status", [Volunteer.Status.APPLICANT, Volunteer.Status.SCREENING, Volunteer.Status.PAUSED]
)
def test_volunteer_who_is_not_active_is_not_suggested(programme, referral, status):
    fine = eligible(programme.initiative)
    eligible(programme.initiative, status=status)
    assert suggested(referral) == [fine.pk]


def test_volunteer_at_full_capacity_is_not_suggested(programme, referral):
    full = eligible(programme.initiative, capacity=1)
    MatchParticipantFactory(match=MatchFactory(programme=programme, volunteer=full))
    room = eligible(programme.initiative, capacity=2)
    MatchParticipantFactory(match=MatchFactory(programme=programme, volunteer=room))

    (suggestion,) = suggestions_for(referral)
    assert suggestion.volunteer == room
    assert suggestion.free_capacity == 1


def test_ended_match_frees_the_place(programme, referral):
    volunteer = eligible(programme.initiative, capacity=1)
    match = MatchFactory(programme=programme, volunteer=volunteer, ended=True)
    MatchParticipantFactory(match=match, left_on=match.end_date)
    assert suggested(referral) == [volunteer.pk]


def test_volunteer_of_another_initiative_is_not_suggested(programme, referral):
    fine = eligible(programme.initiative)
    eligible(InitiativeFactory())
    assert suggested(referral) == [fine.pk]


def test_volunteer_not_working_in_the_programme_is_not_suggested(programme, referral):
    elsewhere = eligible(programme.initiative)
    elsewhere.programmes.add(ProgrammeFactory(initiative=programme.initiative))
    here = eligible(programme.initiative)
    here.programmes.add(programme)
    everywhere = eligible(programme.initiative)  # no programmes: every programme
    assert sorted(suggested(referral)) == sorted([here.pk, everywhere.pk])


def test_the_date_decides_whether_a_vog_is_still_valid(programme, referral):
    volunteer = VolunteerFactory(initiative=programme.initiative, active=True)
    vog = VOGFactory(volunteer=volunteer, issued_on=days_ago(30))
    valid_until = scoring.load_facts([volunteer])[volunteer.pk].vog_valid_until()
    assert valid_until == vog.issued_on.replace(year=vog.issued_on.year + 3)
    assert suggested(referral, on=valid_until - dt.timedelta(days=1)) == [volunteer.pk]
    assert suggested(referral, on=valid_until) == []


# --- the reasons, from the database ---------------------------------------------------


def nl(message: str, values: dict | None = None) -> str:
    with translation.override("nl"):
        text = gettext(message)
    return text % values if values else text


def nl_suggestions(referral):
    with translation.override("nl"):
        return suggestions_for(referral)


def test_overlapping_availability_names_the_day_and_times(programme):
    pupil = PupilFactory(initiative=programme.initiative)
    PupilAvailabilityFactory(pupil=pupil, weekday=3, start_time=dt.time(14), end_time=dt.time(16))
    referral = ReferralFactory(programme=programme, pupil=pupil, waiting=True)
    volunteer = eligible(programme.initiative)
    AvailabilityFactory(
        volunteer=volunteer, weekday=3, start_time=dt.time(15), end_time=dt.time(18)
    )

    (suggestion,) = nl_suggestions(referral)
    found = reason(suggestion, "availability")
    with translation.override("nl"):
        slot = f"{formats.date_format(dt.date(2024, 1, 3), 'l')} 15:00-16:00"
    # 60 of the 90 minutes a session takes
    assert found.points == round(35 * 60 / 90, 1)
    assert found.text == nl(
        "Both are available on %(slots)s (%(minutes)s minutes a week, "
        "less than the %(needed)s minutes the sessions take).",
        {"slots": slot, "minutes": 60, "needed": 90},
    )


def test_pupil_without_availability_gets_neutral_points(programme, referral):
    volunteer = eligible(programme.initiative)
    AvailabilityFactory(volunteer=volunteer)
    (suggestion,) = nl_suggestions(referral)
    found = reason(suggestion, "availability")
    assert found.points == 17.5
    assert found.text == nl("No availability recorded for the pupil, so this counts as neutral.")


def test_location_fits_when_the_volunteer_goes_to_the_pupils_neighbourhood(programme):
    wijk = NeighbourhoodFactory(name="Overvecht", postcodes=["3561"])
    pupil = PupilFactory(initiative=programme.initiative, neighbourhood=wijk, postcode="")
    referral = ReferralFactory(programme=programme, pupil=pupil, waiting=True)
    goes = eligible(programme.initiative)
    goes.neighbourhoods.add(wijk)
    elsewhere = eligible(programme.initiative)
    elsewhere.neighbourhoods.add(NeighbourhoodFactory(name="Lombok", postcodes=["3531"]))

    by_volunteer = {s.volunteer: s for s in nl_suggestions(referral)}
    assert reason(by_volunteer[goes], "location").points == 25
    assert reason(by_volunteer[goes], "location").text == nl(
        "Goes to %(neighbourhood)s, where the pupil lives.", {"neighbourhood": "Overvecht"}
    )
    assert reason(by_volunteer[elsewhere], "location").points == 0
    assert reason(by_volunteer[elsewhere], "location").text == nl(
        "Does not go to %(neighbourhood)s, where the pupil lives.", {"neighbourhood": "Overvecht"}
    )


def test_a_buurt_fits_a_volunteer_who_goes_to_its_wijk(programme):
    wijk = NeighbourhoodFactory(name="Zuid")
    buurt = NeighbourhoodFactory(name="Hoograven", parent=wijk, municipality=wijk.municipality)
    pupil = PupilFactory(initiative=programme.initiative, neighbourhood=buurt)
    referral = ReferralFactory(programme=programme, pupil=pupil, waiting=True)
    volunteer = eligible(programme.initiative)
    volunteer.neighbourhoods.add(wijk)
    (suggestion,) = nl_suggestions(referral)
    assert reason(suggestion, "location").points == 25
    assert "Zuid" in reason(suggestion, "location").text


def test_without_a_neighbourhood_the_postcode_area_is_the_fallback(programme):
    pupil = PupilFactory(initiative=programme.initiative, neighbourhood=None, postcode="3531 AB")
    referral = ReferralFactory(programme=programme, pupil=pupil, waiting=True)
    volunteer = eligible(programme.initiative)
    volunteer.neighbourhoods.add(NeighbourhoodFactory(name="Lombok", postcodes=["3531", "3532"]))
    (suggestion,) = nl_suggestions(referral)
    assert reason(suggestion, "location").points == 25
    assert reason(suggestion, "location").text == nl(
        "Goes to postcode area %(area)s, where the pupil lives.", {"area": "3531"}
    )


def test_online_programme_and_volunteer_score_online_instead_of_location(db):
    programme = ProgrammeFactory(online=True)
    pupil = PupilFactory(initiative=programme.initiative, neighbourhood=NeighbourhoodFactory())
    referral = ReferralFactory(programme=programme, pupil=pupil, waiting=True)
    online = eligible(programme.initiative, online_possible=True, postcode="1011 AA")
    offline = eligible(programme.initiative, online_possible=False, postcode="1011 AA")

    by_volunteer = {s.volunteer: s for s in nl_suggestions(referral)}
    found = reason(by_volunteer[online], "online")
    assert (found.points, found.text) == (20, nl("Can work online, which this programme allows."))
    assert reason(by_volunteer[offline], "location").points == 0


def test_language_the_parents_speak_counts_after_normalising(programme):
    pupil = PupilFactory(initiative=programme.initiative, home_languages=[])
    GuardianFactory(pupil=pupil, language="Arabisch", interpreter_needed=False)
    referral = ReferralFactory(programme=programme, pupil=pupil, waiting=True)
    speaks = eligible(programme.initiative, languages=["NL", "ar"])  # codes, any case
    dutch_only = eligible(programme.initiative, languages=["Nederlands"])

    by_volunteer = {s.volunteer: s for s in nl_suggestions(referral)}
    found = reason(by_volunteer[speaks], "language")
    assert found.points == 10
    assert found.text == nl(
        "Speaks %(language)s, a language of the parents.", {"language": "Arabisch"}
    )
    found = reason(by_volunteer[dutch_only], "language")
    assert found.points == 0
    assert found.text == nl(
        "Speaks none of the parents' languages (%(languages)s).", {"languages": "Arabisch"}
    )


def test_language_weighs_more_when_the_parents_need_an_interpreter(programme):
    pupil = PupilFactory(initiative=programme.initiative)
    GuardianFactory(pupil=pupil, language="Tigrinya", interpreter_needed=True)
    GuardianFactory(pupil=pupil, language="Nederlands", interpreter_needed=False)
    referral = ReferralFactory(programme=programme, pupil=pupil, waiting=True)
    speaks = eligible(programme.initiative, languages=["Nederlands", "tigrinya"])
    dutch = eligible(programme.initiative, languages=["Nederlands"])

    by_volunteer = {s.volunteer: s for s in nl_suggestions(referral)}
    found = reason(by_volunteer[speaks], "language")
    assert found.points == 20
    assert found.text == nl(
        "Speaks %(language)s, so the parents need no interpreter.", {"language": "Tigrinya"}
    )
    found = reason(by_volunteer[dutch], "language")
    assert found.points == 0
    assert found.text == nl(
        "Does not speak %(language)s; the parents need an interpreter.", {"language": "Tigrinya"}
    )


def test_subject_and_level_fit_use_the_stored_demo_values(programme):
    # programme: language support; pupil in groep 6 (PO)
    referral = ReferralFactory(programme=programme, waiting=True)
    fits = eligible(programme.initiative, subjects=["Begrijpend lezen"], school_levels=["PO"])
    other = eligible(programme.initiative, subjects=["Rekenen", "Wiskunde"], school_levels=["VO"])

    by_volunteer = {s.volunteer: s for s in nl_suggestions(referral)}
    with translation.override("nl"):
        support = str(Programme.SupportType.LANGUAGE.label)
        grade = str(SchoolGrade.GROEP_6.label)
        po, vo = gettext("primary school (PO)"), gettext("secondary school (VO)")
        and_ = gettext("and")
    found = reason(by_volunteer[fits], "subject")
    assert found.points == 10
    assert found.text == nl(
        "Teaches %(subjects)s, which fits this programme (%(support)s).",
        {"subjects": "Begrijpend lezen", "support": support},
    )
    found = reason(by_volunteer[other], "subject")
    assert found.points == 0
    assert found.text == nl(
        "Teaches %(subjects)s, which does not fit this programme (%(support)s).",
        {"subjects": get_text_list(["Rekenen", "Wiskunde"], and_), "support": support},
    )
    found = reason(by_volunteer[fits], "level")
    assert found.points == 7
    assert found.text == nl(
        "Works with pupils in %(level)s, like this pupil (%(grade)s).",
        {"level": po, "grade": grade},
    )
    found = reason(by_volunteer[other], "level")
    assert found.points == 0
    assert found.text == nl(
        "Works with pupils in %(levels)s; this pupil is in %(level)s (%(grade)s).",
        {"levels": vo, "level": po, "grade": grade},
    )


def test_more_free_places_give_a_small_bonus(programme, referral):
    one = eligible(programme.initiative, capacity=1)
    three = eligible(programme.initiative, capacity=3)
    by_volunteer = {s.volunteer: s for s in nl_suggestions(referral)}
    assert reason(by_volunteer[one], "capacity").points == 1
    assert reason(by_volunteer[three], "capacity").points == 3
    with translation.override("nl"):
        expected = ngettext("%(count)s free place.", "%(count)s free places.", 3) % {"count": 3}
    assert reason(by_volunteer[three], "capacity").text == expected


def test_score_is_the_sum_of_its_reasons(programme, referral):
    eligible(programme.initiative, subjects=["Nederlands"])
    (suggestion,) = suggestions_for(referral)
    assert [r.code for r in suggestion.reasons] == [
        "availability",
        "location",
        "language",
        "subject",
        "level",
        "capacity",
    ]
    assert suggestion.score == pytest.approx(sum(r.points for r in suggestion.reasons))
    assert 0 <= suggestion.score <= 100


# --- ranking and queries --------------------------------------------------------------


def test_suggestions_are_ranked_best_first_and_limited(programme):
    wijk = NeighbourhoodFactory()
    pupil = PupilFactory(initiative=programme.initiative, neighbourhood=wijk)
    PupilAvailabilityFactory(pupil=pupil)  # Wednesday 14:00-16:00
    GuardianFactory(pupil=pupil, language="Turks")
    referral = ReferralFactory(programme=programme, pupil=pupil, waiting=True)

    weak = eligible(programme.initiative, languages=["nl"], school_levels=["VO"])
    best = eligible(programme.initiative, languages=["nl", "Turks"], subjects=["Nederlands"])
    best.neighbourhoods.add(wijk)
    AvailabilityFactory(volunteer=best)
    middle = eligible(programme.initiative, languages=["tr"])
    AvailabilityFactory(volunteer=middle)

    suggestions = suggestions_for(referral)
    assert [s.volunteer for s in suggestions] == [best, middle, weak]
    assert [s.score for s in suggestions] == sorted((s.score for s in suggestions), reverse=True)
    assert suggestions[0].score == 88  # every part but the interpreter bonus and 2 free places
    assert [s.volunteer for s in suggestions_for(referral, limit=2)] == [best, middle]


def _busy_volunteer(programme, wijk):
    volunteer = eligible(programme.initiative, capacity=3, languages=["nl", "ar"])
    volunteer.neighbourhoods.add(wijk)
    AvailabilityFactory(volunteer=volunteer)
    AvailabilityFactory(volunteer=volunteer, weekday=5)
    training = TrainingFactory(initiative=programme.initiative)
    TrainingCompletionFactory(volunteer=volunteer, training=training)
    MatchParticipantFactory(match=MatchFactory(programme=programme, volunteer=volunteer))
    return volunteer


def test_number_of_queries_does_not_grow_with_the_volunteers(programme):
    wijk = NeighbourhoodFactory()
    pupil = PupilFactory(initiative=programme.initiative, neighbourhood=wijk)
    PupilAvailabilityFactory(pupil=pupil)
    GuardianFactory(pupil=pupil)
    referral = ReferralFactory(programme=programme, pupil=pupil, waiting=True)
    _busy_volunteer(programme, wijk)

    with CaptureQueriesContext(connection) as one:
        assert len(suggestions_for(referral)) == 1
    for _ in range(5):
        _busy_volunteer(programme, wijk)
    with CaptureQueriesContext(connection) as many:
        assert len(suggestions_for(referral)) == 6
    assert len(many) == len(one) == 12


def test_no_eligible_volunteer_gives_no_suggestions(programme, referral):
    VolunteerFactory(initiative=programme.initiative, active=True)  # no VOG
    assert suggestions_for(referral) == []


# --- the pure part on profiles --------------------------------------------------------

WED_14_16 = (3, 14 * 60, 16 * 60)


def pupil_profile(**fields) -> PupilProfile:
    defaults = {
        "key": 1,
        "slots": (WED_14_16,),
        "places": frozenset({("n", 1)}),
        "place_labels": {("n", 1): "Lombok"},
        "languages": frozenset({"nl", "ar"}),
        "language_labels": {"nl": "Nederlands", "ar": "Arabisch"},
        "level": "PO",
        "grade_label": "Groep 6",
        "wanted_subjects": frozenset({"dutch", "reading"}),
        "support_label": "Taal",
        "minutes_needed": 90,
    }
    return PupilProfile(**{**defaults, **fields})


def volunteer_profile(**fields) -> VolunteerProfile:
    defaults = {
        "key": 1,
        "slots": (WED_14_16,),
        "reach": frozenset({("n", 1)}),
        "languages": frozenset({"nl", "ar"}),
        "subjects": frozenset({"dutch", ANY_SUBJECT}),
        "subject_labels": ("Nederlands",),
        "school_levels": frozenset({"PO"}),
        "free_capacity": 3,
    }
    return VolunteerProfile(**{**defaults, **fields})


def test_perfect_pair_scores_100():
    pupil = pupil_profile(interpreter_languages=frozenset({"ar"}))
    score, reasons = explain(pupil, volunteer_profile())
    assert score == 100
    assert [r.points for r in reasons] == [35, 25, 20, 10, 7, 3]


def test_no_overlap_in_availability_scores_zero():
    volunteer = volunteer_profile(slots=((4, 14 * 60, 16 * 60),))
    found = reason(explain(pupil_profile(), volunteer)[1], "availability")
    assert (found.points, found.text) == (0, gettext("Their weekly availability does not overlap."))


def test_twice_weekly_sessions_need_twice_the_overlap():
    pupil = pupil_profile(minutes_needed=180)  # two sessions of 90 minutes
    assert reason(explain(pupil, volunteer_profile())[1], "availability").points == round(
        35 * 120 / 180, 1
    )


def test_missing_information_counts_as_neutral():
    pupil = pupil_profile(
        slots=(), places=frozenset(), languages=frozenset(), level=None, wanted_subjects=None
    )
    score, reasons = explain(pupil, volunteer_profile(free_capacity=1))
    assert [r.points for r in reasons] == [17.5, 12.5, 5, 5, 3.5, 1]
    assert score == 44.5


def test_overlapping_slots_of_one_person_are_merged_before_counting():
    slots = merge_slots([(3, 840, 960), (3, 900, 1020), (1, 600, 660)])
    assert slots == ((1, 600, 660), (3, 840, 1020))


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("Arabisch", "ar"),
        ("arabic", "ar"),
        (" AR ", "ar"),
        ("ar-MA", "ar"),
        ("Nederlands", "nl"),
        ("Dutch", "nl"),
        ("NL", "nl"),
        ("Oekraïens", "uk"),
        ("Tamazight", "ber"),
        ("Berbers", "ber"),
        ("Dari", "fa"),
        ("Farsi", "fa"),
        ("Wolof", "wolof"),
    ],
)
def test_language_names_and_codes_are_normalised(typed, key):
    assert normalise_language(typed) == key


def _random_profiles(rng: random.Random, count: int, kind: str):
    def slots():
        return merge_slots(
            (rng.randint(1, 6), start := rng.choice([600, 840, 900, 930]), start + 90)
            for _ in range(rng.randint(0, 3))
        )

    places = [("n", 1), ("n", 2), ("pc", "3531"), ("n", 3)]
    langs = ["nl", "ar", "tr", "en"]
    out = []
    for key in range(count):
        if kind == "pupil":
            languages = frozenset(rng.sample(langs, rng.randint(0, 2)))
            out.append(
                pupil_profile(
                    key=key,
                    slots=slots(),
                    places=frozenset(rng.sample(places, rng.randint(0, 2))),
                    place_labels={p: str(p[1]) for p in places},
                    languages=languages,
                    interpreter_languages=frozenset(
                        x for x in languages if x != "nl" and rng.random() < 0.5
                    ),
                    language_labels={x: x for x in langs},
                    level=rng.choice([None, "PO", "VO"]),
                    wanted_subjects=rng.choice(
                        [None, frozenset({"dutch"}), frozenset({ANY_SUBJECT})]
                    ),
                    online=rng.random() < 0.5,
                    minutes_needed=rng.choice([60, 90, 180]),
                )
            )
        else:
            subjects = frozenset(rng.sample(["dutch", "maths"], rng.randint(0, 2)))
            out.append(
                volunteer_profile(
                    key=key,
                    slots=slots(),
                    reach=frozenset(rng.sample(places, rng.randint(0, 2))),
                    online_possible=rng.random() < 0.5,
                    languages=frozenset(rng.sample(langs, rng.randint(0, 2))),
                    subjects=subjects | ({ANY_SUBJECT} if subjects else set()),
                    subject_labels=tuple(sorted(subjects)),
                    school_levels=frozenset(rng.sample(["PO", "VO"], rng.randint(0, 2))),
                    free_capacity=rng.randint(1, 4),
                )
            )
    return out


def test_score_matrix_agrees_with_explain_for_every_pair():
    rng = random.Random(4)
    pupils = _random_profiles(rng, 80, "pupil")
    volunteers = _random_profiles(rng, 50, "volunteer")
    matrix = score_matrix(pupils, volunteers)
    expected = np.array([[explain(p, v)[0] for v in volunteers] for p in pupils])
    np.testing.assert_allclose(matrix, expected, atol=1e-9)
    assert matrix.min() >= 0 and matrix.max() <= 100
    assert len(np.unique(matrix)) > 20  # the random profiles cover many cases


def test_reasons_are_translated_into_the_active_language():
    with translation.override("nl"):
        nl_text = reason(explain(pupil_profile(), volunteer_profile())[1], "capacity").text
        expected = ngettext("%(count)s free place.", "%(count)s free places.", 3) % {"count": 3}
    assert nl_text == expected


def test_waiting_referral_of_world_gets_suggestions_of_its_own_initiative_only(world):
    a, b = world.a, world.b
    VOGFactory(volunteer=a.volunteer)
    VOGFactory(volunteer=b.volunteer)
    a.volunteer.capacity = 2
    a.volunteer.save()
    assert suggested(a.unmatched_referral, on=timezone.localdate()) == [a.volunteer.pk]
