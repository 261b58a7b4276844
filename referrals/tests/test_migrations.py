"""Data migrations keep what was recorded."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [
    ("referrals", "0004_pupil_year_group_label"),
    ("initiatives", "0003_not_in_future_checks"),
]
AFTER = [
    ("referrals", "0005_matching_and_guidance"),
    ("initiatives", "0004_volunteer_matching_rules"),
]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_fixed_impact_choices_become_questions_of_their_programme():
    old = _migrate(BEFORE)
    Initiative = old.get_model("initiatives", "Initiative")
    Programme = old.get_model("initiatives", "Programme")
    Pupil = old.get_model("referrals", "Pupil")
    Referral = old.get_model("referrals", "Referral")
    Measurement = old.get_model("referrals", "ImpactMeasurement")
    Score = old.get_model("referrals", "ImpactScore")
    initiative = Initiative.objects.create(name="Proef")
    programmes = [
        Programme.objects.create(
            initiative=initiative, name=name, support_type="language", format="one_to_one"
        )
        for name in ("Eerste", "Tweede")
    ]
    for programme in programmes:
        pupil = Pupil.objects.create(
            initiative=initiative, first_name="A", last_name="B", date_of_birth=dt.date(2015, 1, 1)
        )
        referral = Referral.objects.create(
            pupil=pupil, programme=programme, source="parent", school_year=2025
        )
        measurement = Measurement.objects.create(
            referral=referral, moment="start", measured_on=dt.date(2026, 1, 5)
        )
        Score.objects.create(measurement=measurement, question="reading_pleasure", score=2)
        Score.objects.create(measurement=measurement, question="satisfaction", score=4)

    try:
        new = _migrate(AFTER)
        Question = new.get_model("referrals", "ImpactQuestion")
        NewScore = new.get_model("referrals", "ImpactScore")
        scores = {
            (s.measurement.referral.programme.name, s.question.text): s.score
            for s in NewScore.objects.select_related("question", "measurement__referral__programme")
        }
        assert scores == {
            ("Eerste", "Leesplezier"): 2,
            ("Eerste", "Tevredenheid"): 4,
            ("Tweede", "Leesplezier"): 2,
            ("Tweede", "Tevredenheid"): 4,
        }
        assert Question.objects.count() == 4  # one set per programme
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
