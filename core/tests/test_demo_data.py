"""The demo world: `python manage.py demo_data`.

The reference files are a small extract in DUO's and CBS's format (real
Utrecht and Dordrecht schools), written per test, so the tests run on the
real import services without reading the full national files.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools

import pytest
import time_machine
from django.apps import apps
from django.core.management import CommandError, call_command
from django.urls import reverse

from accounts.models import Role, User
from core.demo.builder import DEMO_PASSWORD, demo_logins
from referrals.models import ContactMoment, Match, Pupil, Referral, ReferralStatusChange
from referrals.services.lifecycle import TRANSITIONS
from schools.models import SchoolLocation

pytestmark = pytest.mark.django_db

CBS = """Gemeentecode,GemeentecodeGM,Gemeentenaam,Provinciecode,ProvinciecodePV,Provincienaam
0344,GM0344,Utrecht,26,PV26,Utrecht
0505,GM0505,Dordrecht,28,PV28,Zuid-Holland
0363,GM0363,Amsterdam,27,PV27,Noord-Holland
"""
DUO_COLUMNS = (
    "BEVOEGD GEZAG NUMMER;INSTELLINGSCODE;VESTIGINGSCODE;VESTIGINGSNAAM;STRAATNAAM;"
    "HUISNUMMER-TOEVOEGING;POSTCODE;PLAATSNAAM;GEMEENTENUMMER;GEMEENTENAAM;DENOMINATIE;"
    "TELEFOONNUMMER;INTERNETADRES"
)
# (board, location code, name, postcode, city, municipality number, denomination)
PO_SCHOOLS = (
    ("41602", "16NM00", "Openbare Basisschool Overvecht", "3564 XZ", "UTRECHT", "0344"),
    ("41602", "17TC00", "Pc Basisschool Op Dreef", "3561 AA", "UTRECHT", "0344"),
    ("41602", "17ER00", "Basisschool Anne Frank", "3527 XL", "UTRECHT", "0344"),
    ("41602", "16BL00", "Openbare Basisschool de Cirkel", "3554 GJ", "UTRECHT", "0344"),
    ("41602", "27YF00", "Vleuterweide", "3452 CZ", "UTRECHT", "0344"),
    ("41602", "17FL00", "ODBS Pieterskerkhof", "3512 JR", "UTRECHT", "0344"),
    ("40542", "18NV00", "Openbare Basisschool Mondriaan", "3314 TK", "DORDRECHT", "0505"),
    ("40542", "18RJ00", "Kennedyschool", "3317 KM", "DORDRECHT", "0505"),
    ("40542", "18YS00", "De Albatros", "3317 AM", "DORDRECHT", "0505"),
    ("40542", "23PC00", "Openbare Basisschool de Bever", "3315 MB", "DORDRECHT", "0505"),
    ("40542", "18UG00", "Basisschool Dubbeldam", "3319 SC", "DORDRECHT", "0505"),
    ("40542", "18VN00", "Staten-School", "3311 XH", "DORDRECHT", "0505"),
    ("40000", "99XX00", "Basisschool in Amsterdam", "1011 AB", "AMSTERDAM", "0363"),
)
VO_SCHOOLS = (
    ("41603", "24TJ00", "NUOVO Scholen", "3561 KW", "UTRECHT", "0344", "VBO/MAVO/PRO"),
    ("41603", "14OY00", "Gerrit Rietveld College", "3571 KH", "UTRECHT", "0344", "MAVO/HAVO/VWO"),
    ("41603", "01KF04", "Descart", "3527 VX", "UTRECHT", "0344", "MAVO/HAVO/VWO"),
    ("41604", "27VF00", "Hans Petri School", "3314 NC", "DORDRECHT", "0505", "PRO"),
    ("41604", "24PY00", "Stedelijk Dalton Lyceum", "3318 AN", "DORDRECHT", "0505", "HAVO/VWO"),
)


def _duo_line(board, code, name, postcode, city, number) -> str:
    fields = [board, code[:4], code, name, "Schoolstraat", "1", postcode, city, number, city]
    return ";".join([*fields, "Openbaar", " ", " "])


@pytest.fixture
def data_dir(tmp_path):
    (tmp_path / "cbs").mkdir()
    (tmp_path / "duo").mkdir()
    (tmp_path / "cbs" / "gemeenten-alfabetisch-2023.csv").write_text(CBS, encoding="utf-8")
    po = [DUO_COLUMNS] + [_duo_line(*row) for row in PO_SCHOOLS]
    (tmp_path / "duo" / "02-alle-schoolvestigingen-basisonderwijs.csv").write_text(
        "\r\n".join(po) + "\r\n", encoding="cp1252"
    )
    vo = [DUO_COLUMNS + ";ONDERWIJSSTRUCTUUR"] + [
        f"{_duo_line(*row[:6])};{row[6]}" for row in VO_SCHOOLS
    ]
    (tmp_path / "duo" / "alle-vestigingen-vo.csv").write_text(
        "\n".join(vo) + "\n", encoding="utf-8"
    )
    return tmp_path


def demo_data(data_dir, *args) -> str:
    out = io.StringIO()
    call_command("demo_data", "--data-dir", str(data_dir), *args, stdout=out)
    return out.getvalue()


def model_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


def test_every_role_has_a_demo_login_that_reaches_home(data_dir, client, settings):
    # The demo runs with config.settings.local, which does not enforce
    # two-step verification (see the README; test_mfa covers the rule).
    settings.MFA_REQUIRED = False
    output = demo_data(data_dir)

    logins = demo_logins()
    roles = {login.role for login in logins}
    assert {str(role.label) for role in Role} <= roles
    assert len(logins) == 8
    assert "ib@openbare-basisschool-overvecht.demo" in {login.email for login in logins}
    assert DEMO_PASSWORD in output
    for login in logins:
        assert login.email in output
        # Through the real login form, so an address the form rejects is caught.
        response = client.post(
            reverse("account_login"), {"login": login.email, "password": DEMO_PASSWORD}
        )
        assert response.status_code == 302, login.email
        assert response.headers["Location"] == reverse("home"), login.email
        response = client.get(reverse("home"))
        assert response.status_code == 200, login.email
        client.logout()


def test_demo_logins_see_their_own_part_of_the_world(data_dir):
    demo_data(data_dir)

    volunteer = User.objects.get(email="vrijwilliger@taaldoetmeer.demo")
    assert Match.objects.visible_to(volunteer).active().count() >= 2
    assert Pupil.objects.visible_to(volunteer).exists()

    referrer = User.objects.get(email="ib@openbare-basisschool-overvecht.demo")
    school = referrer.memberships.get().school
    assert school.municipality.cbs_code == "GM0344"
    referrals = Referral.objects.visible_to(referrer)
    assert referrals.exists()
    assert set(referrals.values_list("referring_school", flat=True)) == {school.pk}
    assert referrals.filter(status=Referral.Status.DRAFT, referred_by=referrer).exists()

    official = User.objects.get(email="beleid@utrecht.demo")
    assert not Pupil.objects.visible_to(official).exists()

    leader = User.objects.get(email="projectleider@lina.demo")
    programmes = set(Referral.objects.visible_to(leader).values_list("programme__name", flat=True))
    assert programmes == {"Kansen bieden is meer dan onderwijs"}


def test_referrals_exist_in_every_status_with_a_history_the_services_allow(data_dir):
    demo_data(data_dir)

    statuses = set(Referral.objects.values_list("status", flat=True))
    assert statuses == set(Referral.Status.values)
    assert not ReferralStatusChange.objects.filter(referral__status=Referral.Status.DRAFT).exists()
    for referral in Referral.objects.exclude(status=Referral.Status.DRAFT).prefetch_related(
        "status_changes"
    ):
        changes = list(referral.status_changes.all())
        steps = [(c.from_status, c.to_status) for c in changes]
        assert steps[0] == (Referral.Status.DRAFT, Referral.Status.SUBMITTED)
        assert changes[-1].to_status == referral.status
        assert referral.status_changed_at == changes[-1].changed_at
        for before, after in itertools.pairwise(steps):
            assert before[1] == after[0]
            assert after[1] in TRANSITIONS[after[0]], (referral.pk, steps)
        if referral.status in Referral.CLOSED_STATUSES[1:]:  # declined, withdrawn, stopped
            assert referral.outcome_reason == changes[-1].reason != ""
    # the history counts as told: no status e-mails about last year's changes
    assert not ReferralStatusChange.objects.filter(referrer_notified_at__isnull=True).exists()


def test_only_utrecht_and_dordrecht_schools_are_imported(data_dir):
    demo_data(data_dir)

    codes = set(SchoolLocation.objects.values_list("municipality__cbs_code", flat=True))
    assert codes == {"GM0344", "GM0505"}
    overvecht = SchoolLocation.objects.get(location_code="16NM00")
    assert overvecht.neighbourhood.name == "Overvecht"


def test_running_twice_changes_nothing(data_dir):
    demo_data(data_dir)
    before = model_counts()
    referrals = list(Referral.objects.order_by("pk").values_list("pk", "status", "updated_at"))

    output = demo_data(data_dir)

    assert "De demowereld bestaat al" in output
    assert "vrijwilliger@taaldoetmeer.demo" in output  # the logins are shown again
    assert model_counts() == before
    assert list(Referral.objects.order_by("pk").values_list("pk", "status", "updated_at")) == (
        referrals
    )


def _pupil_names() -> list[str]:
    return list(Pupil.objects.order_by("pk").values_list("first_name", "last_name"))


def test_the_same_seed_builds_the_same_world(data_dir):
    demo_data(data_dir)
    names = _pupil_names()
    counts = model_counts()

    demo_data(data_dir, "--reset")
    assert _pupil_names() == names
    assert model_counts() == counts

    demo_data(data_dir, "--reset", "--seed", "7")
    assert _pupil_names() != names


def test_scale_two_doubles_pupils_and_contact_moments(data_dir):
    demo_data(data_dir)
    pupils, moments = Pupil.objects.count(), ContactMoment.objects.count()
    schools = SchoolLocation.objects.count()

    output = demo_data(data_dir, "--reset", "--scale", "2")

    assert "De bestaande demowereld is verwijderd" in output
    assert Pupil.objects.count() == 2 * pupils
    assert 1.7 * moments <= ContactMoment.objects.count() <= 2.3 * moments
    assert SchoolLocation.objects.count() == schools  # reference data stays


@pytest.mark.parametrize(
    "today",
    [dt.date(2025, 8, 2), dt.date(2025, 9, 3), dt.date(2026, 2, 16), dt.date(2026, 7, 25)],
    ids=["first-day-of-school-year", "september", "february", "summer"],
)
def test_the_world_fits_any_day_of_the_school_year(data_dir, today):
    # The database checks "not in the future" against its own clock, so only past days.
    with time_machine.travel(dt.datetime(today.year, today.month, today.day, 12), tick=False):
        demo_data(data_dir)
        assert set(Referral.objects.values_list("status", flat=True)) == set(Referral.Status.values)
        assert ContactMoment.objects.filter(date__gte=today).count() == 0


def test_reset_without_reference_data_fails_before_deleting_anything(data_dir, tmp_path):
    demo_data(data_dir)
    before = model_counts()
    empty = tmp_path / "elders"
    empty.mkdir()

    out = io.StringIO()
    with pytest.raises(CommandError) as error:
        call_command("demo_data", "--data-dir", str(empty), "--reset", stdout=out)

    message = str(error.value)
    assert message.startswith("Referentiegegevens niet gevonden")
    assert "Er is niets veranderd" in message
    assert "alle-vestigingen-vo.csv" in message
    assert "verwijderd" not in out.getvalue()
    assert model_counts() == before
    assert Pupil.objects.count() > 0


def test_reset_that_fails_halfway_keeps_the_old_world(data_dir, monkeypatch):
    demo_data(data_dir)
    before = model_counts()
    pupils = _pupil_names()

    def broken_funding(*args, **kwargs):
        raise RuntimeError("funding went wrong")

    # The last step of the build: by then the old world is deleted and a new one written.
    monkeypatch.setattr("core.demo.builder.create_funding", broken_funding)
    out = io.StringIO()
    with pytest.raises(RuntimeError):
        call_command("demo_data", "--data-dir", str(data_dir), "--reset", "--seed", "7", stdout=out)

    assert "verwijderd" not in out.getvalue()
    assert model_counts() == before
    assert _pupil_names() == pupils
