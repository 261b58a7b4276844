"""Everything stored about one pupil, for a request of the pupil or the parents (AVG art. 15, 20).

``pupil_export_data(pupil)`` builds one dict; ``pupil_export_json`` writes it
as a JSON download and ``pupil_export_pdf`` prints it as a readable Dutch
PDF (tagged PDF/UA-1, like the reports). Both tell the processing log.

JSON structure (``schema`` "aanvullend-leren.pupil-export", ``version`` 1)
---------------------------------------------------------------------------

Keys are always present, in this order; a value without data is ``null``
(or ``[]`` for lists). Dates are ``YYYY-MM-DD``, moments ISO 8601 with the
offset (Europe/Amsterdam). A choice is given twice: the stored code
(``status``) and its Dutch label (``status_label``). Records are sorted by
date, then id. Names of staff who recorded things are left out; the
volunteer of a match is named.

::

    {"schema": "aanvullend-leren.pupil-export", "version": 1,
     "exported_at": "...", "initiative": "...",
     "pupil": {"id", "first_name", "last_name", "date_of_birth", "school",
               "grade", "grade_label", "neighbourhood", "postcode",
               "home_languages": [...], "needs", "created_at", "updated_at",
               "anonymised_at"},
     "learner_profile": {"municipality", "phone", "email", "learning_route",
                         "learning_route_label", "level_goal",
                         "language_school", "has_coach"},
     "guardians": [{"id", "name", "relationship", "relationship_label",
                    "phone", "email", "language", "interpreter_needed"}],
     "availability": [{"weekday", "weekday_label", "start_time", "end_time"}],
     "referrals": [{"id", "programme", "source", "source_label",
                    "source_detail", "referring_school", "school_year",
                    "support_what", "support_why", "support_tried",
                    "consent_given_by", "consent_date", "consent_method",
                    "consent_method_label", "status", "status_label",
                    "submitted_at", "status_changed_at", "waiting_since",
                    "priority", "outcome_reason",
                    "status_history": [{"changed_at", "from_status",
                                        "to_status", "to_status_label", "reason"}],
                    "priority_changes": [{"changed_at", "from_priority",
                                          "to_priority", "reason"}],
                    "meetings": [{"planned_at", "held_on", "attendees": [...],
                                  "agreements", "parent_conditions",
                                  "conditions_accepted"}],
                    "goals": [{"id", "description", "responsible", "review_date"}],
                    "evaluations": [{"moment", "moment_label", "held_on",
                                     "summary", "pupil_satisfaction",
                                     "parent_satisfaction", "coach_satisfaction",
                                     "goal_results": [{"goal_id", "result",
                                                       "result_label", "note"}]}],
                    "impact_measurements": [{"moment", "moment_label",
                                             "measured_on",
                                             "scores": [{"question", "score"}]}],
                    "drop_out_signals": [{"signalled_on", "match_id", "reason",
                                          "recorded_at"}]}],
     "matches": [{"id", "referral_id", "programme", "volunteer", "kind",
                  "kind_label", "location_type", "location_type_label",
                  "frequency", "session_minutes", "start_date",
                  "planned_end_date", "end_date", "end_reason",
                  "end_reason_label", "end_note", "joined_on", "left_on",
                  "contact_moments": [...],
                  "coach_check_ins": [{"held_on", "note"}]}],
     "contact_moments": [...]}

A contact moment is ``{"date", "kind", "kind_label", "phase",
"duration_minutes", "attendance", "attendance_label", "participants": [...],
"absent", "note"}``; those of a match are the ones from the day the pupil
joined to the day they left (``absent``: the pupil was recorded absent from
a group session), the top-level list those about the pupil without a match.
A group session's note can mention the other pupils of the group: read it
before handing the export over.

``learner_profile`` is the adult learner's (an adult language coaching
referral): contact details and language route; ``null`` for a child. A
referral's ``drop_out_signals`` and a match's ``coach_check_ins`` (all of the
match's) are empty lists outside adult coaching.
"""

from __future__ import annotations

import datetime as dt
import json

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Prefetch, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.scope import scope_for
from core import processing

from ..models import (
    ContactMoment,
    Evaluation,
    ImpactMeasurement,
    LearnerProfile,
    MatchParticipant,
    Pupil,
    Referral,
    TripartiteMeeting,
)

EXPORT_SCHEMA = "aanvullend-leren.pupil-export"
EXPORT_VERSION = 1
PDF_VARIANT = "pdf/ua-1"


def _label(obj, field: str) -> str | None:
    value = getattr(obj, field)
    if value in (None, ""):
        return None
    return str(getattr(obj, f"get_{field}_display")())


# The dict holds dates and moments as Python objects (the PDF formats them);
# the JSON encoder writes them as ISO 8601.


def _moment(value: dt.datetime | None) -> dt.datetime | None:
    return timezone.localtime(value) if value else None


def _contact_moment(cm: ContactMoment, *, pupil_id: int) -> dict:
    return {
        "date": cm.date,
        "kind": cm.kind,
        "kind_label": _label(cm, "kind"),
        "phase": cm.phase or None,
        "duration_minutes": cm.duration_minutes,
        "attendance": cm.attendance,
        "attendance_label": _label(cm, "attendance"),
        "participants": list(cm.participants or []),
        "absent": any(p.pk == pupil_id for p in cm.absent_pupils.all()),
        "note": cm.note,
    }


def _referral(referral: Referral) -> dict:
    plan = getattr(referral, "action_plan", None)
    goals = list(plan.goals.order_by("review_date", "pk")) if plan else []
    return {
        "id": referral.pk,
        "programme": referral.programme.name,
        "source": referral.source,
        "source_label": _label(referral, "source"),
        "source_detail": referral.source_detail,
        "referring_school": referral.referring_school.name if referral.referring_school else None,
        "school_year": referral.school_year,
        "support_what": referral.support_what,
        "support_why": referral.support_why,
        "support_tried": referral.support_tried,
        "consent_given_by": referral.consent_given_by,
        "consent_date": referral.consent_date,
        "consent_method": referral.consent_method or None,
        "consent_method_label": _label(referral, "consent_method"),
        "status": referral.status,
        "status_label": _label(referral, "status"),
        "submitted_at": _moment(referral.submitted_at),
        "status_changed_at": _moment(referral.status_changed_at),
        "waiting_since": _moment(referral.waiting_since),
        "priority": referral.priority,
        "outcome_reason": referral.outcome_reason,
        "status_history": [
            {
                "changed_at": _moment(c.changed_at),
                "from_status": c.from_status or None,
                "to_status": c.to_status,
                "to_status_label": _label(c, "to_status"),
                "reason": c.reason,
            }
            for c in referral.status_changes.order_by("changed_at", "pk")
        ],
        "priority_changes": [
            {
                "changed_at": _moment(c.changed_at),
                "from_priority": c.from_priority,
                "to_priority": c.to_priority,
                "reason": c.reason,
            }
            for c in referral.priority_changes.order_by("changed_at", "pk")
        ],
        "meetings": [
            {
                "planned_at": _moment(m.planned_at),
                "held_on": m.held_on,
                "attendees": [
                    str(dict(TripartiteMeeting.Attendee.choices).get(a, a)) for a in m.attendees
                ],
                "agreements": m.agreements,
                "parent_conditions": m.parent_conditions,
                "conditions_accepted": m.conditions_accepted,
            }
            for m in referral.tripartite_meetings.order_by("planned_at", "pk")
        ],
        "goals": [
            {
                "id": g.pk,
                "description": g.description,
                "responsible": g.responsible,
                "review_date": g.review_date,
            }
            for g in goals
        ],
        "evaluations": [
            {
                "moment": e.moment,
                "moment_label": _label(e, "moment"),
                "held_on": e.held_on,
                "summary": e.summary,
                "pupil_satisfaction": e.pupil_satisfaction,
                "parent_satisfaction": e.parent_satisfaction,
                "coach_satisfaction": e.coach_satisfaction,
                "goal_results": [
                    {
                        "goal_id": r.goal_id,
                        "result": r.result,
                        "result_label": _label(r, "result"),
                        "note": r.note,
                    }
                    for r in e.goal_results.order_by("goal__review_date", "goal_id")
                ],
            }
            for e in Evaluation.objects.filter(referral=referral).order_by("held_on", "pk")
        ],
        "impact_measurements": [
            {
                "moment": m.moment,
                "moment_label": _label(m, "moment"),
                "measured_on": m.measured_on,
                "scores": [
                    {"question": s.question.text, "score": s.score}
                    for s in m.scores.select_related("question").order_by(
                        "question__order", "question_id"
                    )
                ],
            }
            for m in ImpactMeasurement.objects.filter(referral=referral).order_by(
                "measured_on", "pk"
            )
        ],
        "drop_out_signals": [
            {
                "signalled_on": signal.signalled_on,
                "match_id": signal.match_id,
                "reason": signal.reason,
                "recorded_at": _moment(signal.recorded_at),
            }
            for signal in referral.drop_out_signals.order_by("signalled_on", "pk")
        ],
    }


def _learner_profile(pupil: Pupil) -> dict | None:
    profile = LearnerProfile.objects.filter(pupil=pupil).select_related("municipality").first()
    if profile is None:
        return None
    return {
        "municipality": profile.municipality.name,
        "phone": profile.phone,
        "email": profile.email,
        "learning_route": profile.learning_route,
        "learning_route_label": _label(profile, "learning_route"),
        "level_goal": profile.level_goal or None,
        "language_school": profile.language_school,
        "has_coach": profile.has_coach,
    }


def _match(participant: MatchParticipant) -> dict:
    match = participant.match
    until = participant.left_on or match.end_date
    window = Q(date__gte=participant.joined_on)
    if until:
        window &= Q(date__lte=until)
    moments = (
        match.contact_moments.filter(window)
        .prefetch_related("absent_pupils")
        .order_by("date", "pk")
    )
    return {
        "id": match.pk,
        "referral_id": participant.referral_id,
        "programme": match.programme.name,
        "volunteer": match.volunteer.full_name.strip(),
        "kind": match.kind,
        "kind_label": _label(match, "kind"),
        "location_type": match.location_type,
        "location_type_label": _label(match, "location_type"),
        "frequency": match.frequency,
        "session_minutes": match.session_minutes,
        "start_date": match.start_date,
        "planned_end_date": match.planned_end_date,
        "end_date": match.end_date,
        "end_reason": match.end_reason or None,
        "end_reason_label": _label(match, "end_reason"),
        "end_note": match.end_note,
        "joined_on": participant.joined_on,
        "left_on": participant.left_on,
        "contact_moments": [_contact_moment(cm, pupil_id=participant.pupil_id) for cm in moments],
        "coach_check_ins": [
            {"held_on": check_in.held_on, "note": check_in.note}
            for check_in in match.coach_check_ins.order_by("held_on", "pk")
        ],
    }


def pupil_export_data(pupil: Pupil) -> dict:
    """Everything stored about ``pupil``, as the module docstring describes (Dutch labels)."""
    with translation.override(settings.LANGUAGE_CODE):
        referrals = (
            Referral.objects.filter(pupil=pupil)
            .select_related("programme", "referring_school", "action_plan")
            .order_by("submitted_at", "created_at", "pk")
        )
        participations = (
            MatchParticipant.objects.filter(pupil=pupil)
            .select_related("match__programme", "match__volunteer")
            .order_by("joined_on", "pk")
        )
        own_moments = (
            ContactMoment.objects.filter(pupil=pupil, match__isnull=True)
            .prefetch_related(Prefetch("absent_pupils"))
            .order_by("date", "pk")
        )
        return {
            "schema": EXPORT_SCHEMA,
            "version": EXPORT_VERSION,
            "exported_at": _moment(timezone.now()),
            "initiative": pupil.initiative.name,
            "pupil": {
                "id": pupil.pk,
                "first_name": pupil.first_name,
                "last_name": pupil.last_name,
                "date_of_birth": pupil.date_of_birth,
                "school": pupil.school.name if pupil.school else None,
                "grade": pupil.grade,
                "grade_label": _label(pupil, "grade"),
                "neighbourhood": pupil.neighbourhood.name if pupil.neighbourhood else None,
                "postcode": pupil.postcode,
                "home_languages": list(pupil.home_languages or []),
                "needs": pupil.needs,
                "created_at": _moment(pupil.created_at),
                "updated_at": _moment(pupil.updated_at),
                "anonymised_at": _moment(pupil.anonymised_at),
            },
            "learner_profile": _learner_profile(pupil),
            "guardians": [
                {
                    "id": g.pk,
                    "name": g.name,
                    "relationship": g.relationship or None,
                    "relationship_label": _label(g, "relationship"),
                    "phone": g.phone,
                    "email": g.email,
                    "language": g.language,
                    "interpreter_needed": g.interpreter_needed,
                }
                for g in pupil.guardians.order_by("pk")
            ],
            "availability": [
                {
                    "weekday": slot.weekday,
                    "weekday_label": _label(slot, "weekday"),
                    "start_time": slot.start_time.strftime("%H:%M"),
                    "end_time": slot.end_time.strftime("%H:%M"),
                }
                for slot in pupil.availability.order_by("weekday", "start_time")
            ],
            "referrals": [_referral(r) for r in referrals],
            "matches": [_match(p) for p in participations],
            "contact_moments": [_contact_moment(cm, pupil_id=pupil.pk) for cm in own_moments],
        }


# --- the downloads ----------------------------------------------------------------


def _require_leader(by, pupil: Pupil) -> None:
    if not scope_for(by).leads(pupil.initiative_id):
        raise PermissionDenied(
            _("Only the initiative's project leaders may export a pupil's data.")
        )


def _record(by, data: dict, action: str) -> None:
    """One entry for the pupil and one for each guardian in the export."""
    records = [(processing.PUPIL, data["pupil"]["id"])] + [
        (processing.GUARDIAN, g["id"]) for g in data["guardians"]
    ]
    for record_type, record_id in records:
        processing.record_processing(
            user=by,
            action=action,
            record_type=record_type,
            record_id=record_id,
            purpose=processing.PURPOSE_DATA_SUBJECT_REQUEST,
        )


def pupil_export_json(*, pupil: Pupil, by) -> bytes:
    """The export as UTF-8 JSON (indented, keys in the documented order)."""
    _require_leader(by, pupil)
    data = pupil_export_data(pupil)
    _record(by, data, processing.EXPORT_JSON)
    return json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2).encode()


def pupil_export_html(data: dict) -> str:
    pupil = data["pupil"]
    name = " ".join(part for part in (pupil["first_name"], pupil["last_name"]) if part)
    with translation.override(settings.LANGUAGE_CODE):
        return render_to_string(
            "privacy/pupil_export.html",
            {"data": data, "name": name, "lang": settings.LANGUAGE_CODE},
        )


def pupil_export_pdf(*, pupil: Pupil, by) -> bytes:
    """The export as a readable PDF in Dutch (tagged PDF/UA-1)."""
    import weasyprint  # heavy import; only when a PDF is made

    _require_leader(by, pupil)
    data = pupil_export_data(pupil)
    pdf = weasyprint.HTML(
        string=pupil_export_html(data), base_url=str(settings.BASE_DIR)
    ).write_pdf(pdf_variant=PDF_VARIANT)
    _record(by, data, processing.EXPORT_PDF)
    return pdf
