import pytest
from django.db import DatabaseError, connection, transaction

from audit.models import ProcessingLogEntry
from audit.services import log_processing

pytestmark = pytest.mark.django_db


def _entry(world):
    log_processing(
        user=world.a.project_leader,
        record_type="pupil",
        record_ids=[world.a.pupil.pk],
        action="view",
    )
    return ProcessingLogEntry.objects.get()


def test_an_entry_says_who_what_which_record_why_and_holds_no_personal_data(world):
    entry = _entry(world)
    assert entry.actor_id == world.a.project_leader.pk
    assert (entry.record_type, entry.record_id, entry.action, entry.result) == (
        "pupil",
        world.a.pupil.pk,
        "view",
        "allowed",
    )
    assert entry.purpose.startswith("guidance")
    values = " ".join(str(v) for v in ProcessingLogEntry.objects.values().get().values())
    assert "Zwartewaal" not in values and "Yasmina" not in values
    assert world.a.project_leader.email not in values


def test_the_database_refuses_to_change_an_entry(world):
    entry = _entry(world)
    with pytest.raises(DatabaseError), transaction.atomic():
        ProcessingLogEntry.objects.filter(pk=entry.pk).update(result="refused")
    entry.refresh_from_db()
    assert entry.result == "allowed"


def test_the_database_refuses_to_delete_an_entry(world):
    entry = _entry(world)
    with pytest.raises(DatabaseError), transaction.atomic():
        ProcessingLogEntry.objects.filter(pk=entry.pk).delete()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_processinglogentry")
    assert ProcessingLogEntry.objects.count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="TRUNCATE exists on PostgreSQL")
def test_the_database_refuses_to_truncate_the_log(world):
    _entry(world)
    with connection.cursor() as cursor:
        cursor.execute("SET audit.allow_truncate = 'off'")  # the application's sessions
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("TRUNCATE audit_processinglogentry")
    assert ProcessingLogEntry.objects.count() == 1


def test_every_response_carries_a_request_id(client_for, world):
    response = client_for(world.a.project_leader).get("/", HTTP_X_REQUEST_ID="abcd1234-trace")
    assert response["X-Request-ID"] == "abcd1234-trace"
    made_up = client_for(world.a.project_leader).get("/", HTTP_X_REQUEST_ID="<script>")
    assert len(made_up["X-Request-ID"]) == 36


@pytest.mark.django_db(transaction=True)
def test_a_committing_test_can_still_be_cleaned_up(world):
    """The flush after this test must get past the append-only triggers."""
    _entry(world)
    assert ProcessingLogEntry.objects.count() == 1
