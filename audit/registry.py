"""Which addresses show or change whose personal data.

Each entry maps a URL name to the records behind its URL keyword arguments:
``{record_type: ids}``. The processing log middleware writes an entry for
them after every request to such an address, allowed (status below 400 for
an authenticated user) or refused (401, 403, 404, or not authenticated: a
redirect to the login page); lists add what they showed with
``audit.services.note``, and forms and endpoints that make a record at an
address that does not name it add it with ``audit.services.note_record``
(``records_behind``).
A test checks that every page and endpoint that takes a record id of a
pupil, referral, match, contact moment, participant or volunteer is here.
"""

from __future__ import annotations

from collections.abc import Callable


def _pupil(pk) -> dict:
    from referrals.models import Guardian

    return {
        "pupil": [pk],
        "guardian": list(Guardian.objects.filter(pupil_id=pk).values_list("pk", flat=True)),
    }


def _referral(pk) -> dict:
    from referrals.models import Referral

    pupil_id = Referral.objects.filter(pk=pk).values_list("pupil_id", flat=True).first()
    return _pupil(pupil_id) if pupil_id else {}


def _match(pk) -> dict:
    from referrals.models import Match, MatchParticipant

    pupils = list(
        MatchParticipant.objects.filter(match_id=pk).values_list("referral__pupil_id", flat=True)
    )
    volunteer = Match.objects.filter(pk=pk).values_list("volunteer_id", flat=True).first()
    return {"pupil": pupils, "volunteer": [volunteer] if volunteer else []}


def _contact_moment(pk) -> dict:
    from referrals.models import ContactMoment

    row = ContactMoment.objects.filter(pk=pk).values_list("match_id", "pupil_id").first()
    if row is None:
        return {}
    match_id, pupil_id = row
    records = _match(match_id) if match_id else {}
    if pupil_id:  # a moment about the pupil, with or without a match
        records["pupil"] = sorted({*records.get("pupil", []), pupil_id})
    return records


def _participant(pk) -> dict:
    from referrals.models import MatchParticipant

    pupil_id = (
        MatchParticipant.objects.filter(pk=pk).values_list("referral__pupil_id", flat=True).first()
    )
    return {"pupil": [pupil_id]} if pupil_id else {}


def _volunteer(pk) -> dict:
    return {"volunteer": [pk]}


def _evaluation(pk) -> dict:
    from referrals.models import Evaluation

    referral_id = Evaluation.objects.filter(pk=pk).values_list("referral_id", flat=True).first()
    return _referral(referral_id) if referral_id else {}


def _impact(pk) -> dict:
    from referrals.models import ImpactMeasurement

    referral_id = (
        ImpactMeasurement.objects.filter(pk=pk).values_list("referral_id", flat=True).first()
    )
    return _referral(referral_id) if referral_id else {}


Resolver = Callable[[object], dict]

# URL name (with namespace) -> what its ``pk`` keyword names.
BY_URL_NAME: dict[str, Resolver] = {
    # the school referrer's pages
    "referrals:school_detail": _referral,
    "referrals:school_edit": _referral,
    "referrals:school_withdraw": _referral,
    # the client manager's (klantmanager's) pages
    "referrals:client_manager_detail": _referral,
    "referrals:client_manager_edit": _referral,
    # adult language coaching: the project leader's signals and check-ins
    "referrals:leader_drop_out_signal": _referral,
    "referrals:leader_coach_check_in": _match,
    # the project leader's intake
    "referrals:leader_detail": _referral,
    "referrals:leader_accept": _referral,
    "referrals:leader_decline": _referral,
    "referrals:leader_meeting_plan": _referral,
    "referrals:leader_meeting_outcome": _referral,
    "referrals:leader_waitlist": _referral,
    "referrals:leader_priority": _referral,
    "referrals:leader_withdraw": _referral,
    "referrals:evaluation_record": _referral,
    "referrals:impact_record": _referral,
    # matching and sessions
    "referrals:match_suggestions": _referral,
    "referrals:match_create": _referral,
    "referrals:pupil_availability": _referral,
    "referrals:match_detail": _match,
    "referrals:match_end": _match,
    "referrals:match_replace": _match,
    "referrals:match_add_participant": _match,
    "referrals:match_remove_participant": _match,
    "referrals:session_log": _match,
    "referrals:match_moments": _match,
    "referrals:moment_edit": _contact_moment,
    "referrals:moment_delete": _contact_moment,
    "referrals:certificate": _participant,
    # rights of the person
    "referrals:pupil_data_json": _pupil,
    "referrals:pupil_data_pdf": _pupil,
    "referrals:pupil_erase": _pupil,
    # volunteers
    "initiatives:volunteer_detail": _volunteer,
    "initiatives:volunteer_edit": _volunteer,
    "initiatives:volunteer_status": _volunteer,
    "initiatives:volunteer_intake": _volunteer,
    "initiatives:vog_record": _volunteer,
    "initiatives:training_record": _volunteer,
    "initiatives:availability_edit": _volunteer,
    "initiatives:volunteer_data_json": _volunteer,
    "initiatives:volunteer_data_pdf": _volunteer,
    "initiatives:volunteer_erase": _volunteer,
    # the privacy officer's view of who processed a person's data
    "audit:pupil_log": _pupil,
    "audit:volunteer_log": _volunteer,
    # the API
    "api:pupil-detail": _pupil,
    "api:referral-detail": _referral,
    "api:referral-accept": _referral,
    "api:referral-action-plan": _referral,
    "api:referral-decline": _referral,
    "api:referral-meeting": _referral,
    "api:referral-meeting-outcome": _referral,
    "api:referral-priority": _referral,
    "api:referral-submit": _referral,
    "api:referral-waitlist": _referral,
    "api:referral-withdraw": _referral,
    "api:match-detail": _match,
    "api:match-add-participant": _match,
    "api:match-end": _match,
    "api:match-remove-participant": _match,
    "api:match-replace-volunteer": _match,
    "api:contact-moment-detail": _contact_moment,
    "api:evaluation-detail": _evaluation,
    "api:impact-measurement-detail": _impact,
    "api:volunteer-detail": _volunteer,
    "api:volunteer-change-status": _volunteer,
    "api:volunteer-record-intake": _volunteer,
    "api:volunteer-record-training": _volunteer,
    "api:volunteer-record-vog": _volunteer,
}

# Keyword arguments that identify a record in the URL patterns above.
RECORD_KWARGS = ("pk",)


def _resolvers_by_model() -> dict[type, Resolver]:
    from initiatives.models import Volunteer
    from referrals.models import (
        ContactMoment,
        Evaluation,
        Guardian,
        ImpactMeasurement,
        Match,
        MatchParticipant,
        Pupil,
        Referral,
    )

    return {
        Pupil: _pupil,
        Guardian: lambda pk: {"guardian": [pk]},
        Referral: _referral,
        Match: _match,
        MatchParticipant: _participant,
        ContactMoment: _contact_moment,
        Volunteer: _volunteer,
        Evaluation: _evaluation,
        ImpactMeasurement: _impact,
    }


def records_behind(model: type, pk) -> dict[str, list[int]]:
    """Whose personal data one record of ``model`` holds, as its address would log.

    A referral: its pupil and the guardians; a match: its pupils and the
    volunteer; a contact moment: those of its match. ``{}`` for a model that
    holds none of a pupil's, guardian's or volunteer's data.
    """
    resolver = _resolvers_by_model().get(model)
    if resolver is None or pk is None:
        return {}
    return {kind: ids for kind, ids in resolver(pk).items() if ids}


def records_of(objects) -> dict[str, list[int]]:
    """Whose personal data a list of objects shows: ``{record_type: ids}``.

    At most two queries, whatever the number of objects (API lists call this
    for every page they return).
    """
    from initiatives.models import Volunteer
    from referrals.models import (
        ContactMoment,
        Evaluation,
        Guardian,
        ImpactMeasurement,
        Match,
        MatchParticipant,
        Pupil,
        Referral,
    )

    objects = list(objects)
    records: dict[str, set[int]] = {"pupil": set(), "guardian": set(), "volunteer": set()}
    match_ids: set[int] = set()
    referral_ids: set[int] = set()
    for obj in objects:
        if isinstance(obj, Pupil):
            records["pupil"].add(obj.pk)
        elif isinstance(obj, Guardian):
            records["guardian"].add(obj.pk)
        elif isinstance(obj, Referral):
            records["pupil"].add(obj.pupil_id)
        elif isinstance(obj, Volunteer):
            records["volunteer"].add(obj.pk)
        elif isinstance(obj, Match):
            match_ids.add(obj.pk)
            records["volunteer"].add(obj.volunteer_id)
        elif isinstance(obj, MatchParticipant):
            records["pupil"].add(obj.pupil_id)
        elif isinstance(obj, ContactMoment):
            match_ids.add(obj.match_id)
            records["pupil"].add(obj.pupil_id)
        elif isinstance(obj, Evaluation | ImpactMeasurement):
            referral_ids.add(obj.referral_id)
    if match_ids:
        for pupil_id, volunteer_id in MatchParticipant.objects.filter(
            match_id__in=match_ids
        ).values_list("pupil_id", "match__volunteer_id"):
            records["pupil"].add(pupil_id)
            records["volunteer"].add(volunteer_id)
    if referral_ids:
        records["pupil"].update(
            Referral.objects.filter(pk__in=referral_ids).values_list("pupil_id", flat=True)
        )
    return {kind: sorted(i for i in ids if i) for kind, ids in records.items() if ids}
