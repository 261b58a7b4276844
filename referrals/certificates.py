"""The certificate of participation (Bewijs van Deelname): who gets one, its facts, its PDF.

Reads and rendering only; the page that hands it out is
``referrals.views.evaluations.certificate``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.scope import scope_for

from .models import ContactMoment, Match, MatchParticipant, Referral


def led_participant(*, user, pk: int) -> MatchParticipant:
    """A participant of a match in an initiative the user leads (else 404)."""
    scope = scope_for(user)
    qs = MatchParticipant.objects.select_related(
        "pupil", "referral", "match__programme__initiative"
    )
    if not scope.is_superuser:
        qs = qs.filter(match__programme__initiative_id__in=scope.led_initiative_ids)
    return get_object_or_404(qs, pk=pk)


@dataclass(frozen=True)
class Certificate:
    pupil_name: str
    programme: str
    initiative: str
    start: dt.date
    end: dt.date
    sessions_held: int
    signed_by: str
    issued_on: dt.date


def certificate_available(participant: MatchParticipant) -> bool:
    """Only for a pupil whose guidance was completed: match completed, referral completed."""
    return (
        participant.match.end_reason == Match.EndReason.COMPLETED
        and participant.referral.status == Referral.Status.COMPLETED
    )


def certificate_for(participant: MatchParticipant, *, signed_by) -> Certificate:
    """The facts on the certificate, over the whole guidance of the referral.

    A replaced volunteer means more than one match for the same referral: the
    period runs from the first day in any of them and the sessions of all count.
    """
    participations = list(
        MatchParticipant.objects.filter(referral_id=participant.referral_id).select_related("match")
    )
    windows = Q()
    ends = []
    for p in participations:
        end = p.left_on or p.match.end_date
        window = Q(match_id=p.match_id, date__gte=p.joined_on)
        if end:
            window &= Q(date__lte=end)
            ends.append(end)
        windows |= window
    sessions_held = (
        ContactMoment.objects.filter(
            windows, kind=ContactMoment.Kind.SESSION, attendance=ContactMoment.Attendance.HELD
        )
        .exclude(absent_pupils=participant.pupil_id)
        .count()
    )
    programme = participant.match.programme
    return Certificate(
        pupil_name=participant.pupil.full_name,
        programme=programme.name,
        initiative=programme.initiative.name,
        start=min(p.joined_on for p in participations),
        end=max(ends) if ends else participant.match.end_date,
        sessions_held=sessions_held,
        signed_by=signed_by.get_full_name() or signed_by.email,
        issued_on=timezone.localdate(),
    )


def certificate_html(certificate: Certificate) -> str:
    return render_to_string("referrals/evaluations/certificate.html", {"c": certificate})


def certificate_pdf(certificate: Certificate) -> bytes:
    import weasyprint  # heavy import; only when a certificate is made

    return weasyprint.HTML(string=certificate_html(certificate)).write_pdf()
