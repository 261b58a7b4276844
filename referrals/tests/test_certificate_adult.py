"""The certificate of participation reads right for an adult learner: no school wording."""

from __future__ import annotations

import re

import pytest
from django.utils import translation

from initiatives.models import Programme
from referrals.certificates import certificate_for, certificate_html
from referrals.tests.test_certificate import _one_day, completed_participant  # noqa: F401

pytestmark = pytest.mark.django_db


def test_adult_certificate_has_no_pupil_or_school_wording(world):
    programme = world.a.programme
    programme.audience = Programme.Audience.ADULTS
    programme.name = "Taalcoaching Volwassenen"
    programme.save(update_fields=["audience", "name"])
    participant = completed_participant(world.a, first_name="Fatima", last_name="Ouali")

    with translation.override("nl"):
        html = certificate_html(certificate_for(participant, signed_by=world.a.project_leader))

    visible = re.sub(r"<style.*?</style>|<[^>]+>", " ", html, flags=re.S).lower()
    assert "fatima ouali" in visible
    assert "bewijs van deelname" in visible
    for word in ("leerling", "school", "groep", "klas"):
        assert word not in visible, word
