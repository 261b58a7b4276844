"""Everything stored about one volunteer, for their request (AVG art. 15, 20).

``volunteer_export_data(volunteer)`` builds one dict;
``volunteer_export_json`` writes it as a JSON download and
``volunteer_export_pdf`` prints it as a readable Dutch PDF (tagged PDF/UA-1).
Both tell the processing log.

JSON structure (``schema`` "aanvullend-leren.volunteer-export", ``version`` 1)
------------------------------------------------------------------------------

Keys are always present, in this order; a value without data is ``null``
(or ``[]``). Dates are ``YYYY-MM-DD``, moments ISO 8601 with the offset
(Europe/Amsterdam). A choice is given as its code (``status``) and its Dutch
label (``status_label``). The pupils of a match are other people (children):
only their number is given, never their names.

::

    {"schema": "aanvullend-leren.volunteer-export", "version": 1,
     "exported_at": "...", "initiative": "...",
     "volunteer": {"id", "first_name", "last_name", "email", "phone",
                   "postcode", "date_of_birth", "status", "status_label",
                   "programmes": [...], "neighbourhoods": [...],
                   "max_travel_km", "online_possible", "languages": [...],
                   "subjects": [...], "school_levels": [...],
                   "education_level", "education_level_label", "capacity",
                   "intake_date", "intake_notes", "start_date", "end_date",
                   "stop_reason", "created_at", "updated_at", "anonymised_at"},
     "account": {"email", "first_name", "last_name", "is_active",
                 "date_joined", "last_login"} or null,
     "status_history": [{"date", "from_status", "to_status",
                         "to_status_label", "reason"}],
     "vogs": [{"issued_on", "checked_on"}],
     "trainings": [{"training", "completed_on"}],
     "availability": [{"weekday", "weekday_label", "start_time", "end_time"}],
     "matches": [{"id", "programme", "kind", "kind_label", "location_type",
                  "location_type_label", "frequency", "session_minutes",
                  "start_date", "planned_end_date", "end_date", "end_reason",
                  "end_reason_label", "end_note", "pupils", "sessions_held"}]}
"""

from __future__ import annotations

import datetime as dt
import json

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Count, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.scope import scope_for
from core import processing

from ..models import Volunteer

EXPORT_SCHEMA = "aanvullend-leren.volunteer-export"
EXPORT_VERSION = 1
PDF_VARIANT = "pdf/ua-1"


def _label(obj, field: str) -> str | None:
    value = getattr(obj, field)
    if value in (None, ""):
        return None
    return str(getattr(obj, f"get_{field}_display")())


def _moment(value: dt.datetime | None) -> dt.datetime | None:
    return timezone.localtime(value) if value else None


def _matches(volunteer: Volunteer) -> list[dict]:
    from referrals.models import ContactMoment, Match

    held = Q(
        contact_moments__kind=ContactMoment.Kind.SESSION,
        contact_moments__attendance=ContactMoment.Attendance.HELD,
    )
    matches = (
        Match.objects.filter(volunteer=volunteer)
        .select_related("programme")
        .annotate(
            pupil_count=Count("participants", distinct=True),
            sessions_held=Count("contact_moments", filter=held, distinct=True),
        )
        .order_by("start_date", "pk")
    )
    return [
        {
            "id": m.pk,
            "programme": m.programme.name,
            "kind": m.kind,
            "kind_label": _label(m, "kind"),
            "location_type": m.location_type,
            "location_type_label": _label(m, "location_type"),
            "frequency": m.frequency,
            "session_minutes": m.session_minutes,
            "start_date": m.start_date,
            "planned_end_date": m.planned_end_date,
            "end_date": m.end_date,
            "end_reason": m.end_reason or None,
            "end_reason_label": _label(m, "end_reason"),
            "end_note": m.end_note,
            "pupils": m.pupil_count,
            "sessions_held": m.sessions_held,
        }
        for m in matches
    ]


def volunteer_export_data(volunteer: Volunteer) -> dict:
    """Everything stored about ``volunteer``, in the structure of the module docstring."""
    with translation.override(settings.LANGUAGE_CODE):
        user = volunteer.user
        return {
            "schema": EXPORT_SCHEMA,
            "version": EXPORT_VERSION,
            "exported_at": _moment(timezone.now()),
            "initiative": volunteer.initiative.name,
            "volunteer": {
                "id": volunteer.pk,
                "first_name": volunteer.first_name,
                "last_name": volunteer.last_name,
                "email": volunteer.email,
                "phone": volunteer.phone,
                "postcode": volunteer.postcode,
                "date_of_birth": volunteer.date_of_birth,
                "status": volunteer.status,
                "status_label": _label(volunteer, "status"),
                "programmes": [p.name for p in volunteer.programmes.order_by("name")],
                "neighbourhoods": [n.name for n in volunteer.neighbourhoods.order_by("name")],
                "max_travel_km": volunteer.max_travel_km,
                "online_possible": volunteer.online_possible,
                "languages": list(volunteer.languages or []),
                "subjects": list(volunteer.subjects or []),
                "school_levels": list(volunteer.school_levels or []),
                "education_level": volunteer.education_level or None,
                "education_level_label": _label(volunteer, "education_level"),
                "capacity": volunteer.capacity,
                "intake_date": volunteer.intake_date,
                "intake_notes": volunteer.intake_notes,
                "start_date": volunteer.start_date,
                "end_date": volunteer.end_date,
                "stop_reason": volunteer.stop_reason,
                "created_at": _moment(volunteer.created_at),
                "updated_at": _moment(volunteer.updated_at),
                "anonymised_at": _moment(volunteer.anonymised_at),
            },
            "account": {
                "email": user.email,
                "first_name": user.first_name,
                "last_name": user.last_name,
                "is_active": user.is_active,
                "date_joined": _moment(user.date_joined),
                "last_login": _moment(user.last_login),
            }
            if user
            else None,
            "status_history": [
                {
                    "date": c.date,
                    "from_status": c.from_status or None,
                    "to_status": c.to_status,
                    "to_status_label": _label(c, "to_status"),
                    "reason": c.reason,
                }
                for c in volunteer.status_changes.order_by("date", "created_at", "pk")
            ],
            "vogs": [
                {"issued_on": v.issued_on, "checked_on": v.checked_on}
                for v in volunteer.vogs.order_by("issued_on", "pk")
            ],
            "trainings": [
                {"training": c.training.name, "completed_on": c.completed_on}
                for c in volunteer.training_completions.select_related("training").order_by(
                    "completed_on", "pk"
                )
            ],
            "availability": [
                {
                    "weekday": slot.weekday,
                    "weekday_label": _label(slot, "weekday"),
                    "start_time": slot.start_time.strftime("%H:%M"),
                    "end_time": slot.end_time.strftime("%H:%M"),
                }
                for slot in volunteer.availability.order_by("weekday", "start_time")
            ],
            "matches": _matches(volunteer),
        }


# --- the downloads ----------------------------------------------------------------


def _require_leader(by, volunteer: Volunteer) -> None:
    if not scope_for(by).leads(volunteer.initiative_id):
        raise PermissionDenied(
            _("Only the initiative's project leaders may export a volunteer's data.")
        )


def _record(by, volunteer: Volunteer, action: str) -> None:
    processing.record_processing(
        user=by,
        action=action,
        record_type=processing.VOLUNTEER,
        record_id=volunteer.pk,
        purpose=processing.PURPOSE_DATA_SUBJECT_REQUEST,
    )


def volunteer_export_json(*, volunteer: Volunteer, by) -> bytes:
    """The export as UTF-8 JSON (indented, keys in the documented order)."""
    _require_leader(by, volunteer)
    data = volunteer_export_data(volunteer)
    _record(by, volunteer, processing.EXPORT_JSON)
    return json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2).encode()


def volunteer_export_html(data: dict) -> str:
    v = data["volunteer"]
    name = " ".join(part for part in (v["first_name"], v["last_name"]) if part)
    with translation.override(settings.LANGUAGE_CODE):
        return render_to_string(
            "privacy/volunteer_export.html",
            {"data": data, "name": name, "lang": settings.LANGUAGE_CODE},
        )


def volunteer_export_pdf(*, volunteer: Volunteer, by) -> bytes:
    """The export as a readable PDF in Dutch (tagged PDF/UA-1)."""
    import weasyprint  # heavy import; only when a PDF is made

    _require_leader(by, volunteer)
    html = volunteer_export_html(volunteer_export_data(volunteer))
    pdf = weasyprint.HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(
        pdf_variant=PDF_VARIANT
    )
    _record(by, volunteer, processing.EXPORT_PDF)
    return pdf
