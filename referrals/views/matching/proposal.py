"""The proposal for a programme's whole waitlist: review, adjust, confirm. Project leaders only."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.decorators import leader_required
from audit.services import Action, note
from initiatives.models import Programme, Volunteer

from ... import selectors
from ...forms.matching import BatchForm
from ...matching.proposal import alternatives, propose
from ...models import Referral
from ...services import match_confirm_proposal
from ..common import add_errors


@dataclass
class BatchRow:
    referral: Referral
    proposed: object  # ProposedMatch, or None when the pupil was not in the proposal
    days_waiting: int | None
    field: object = None


ALTERNATIVES = 5  # other volunteers offered per pupil, best scores first


def _batch_rows(referrals, proposed_by_referral, best_volunteers, extra_options):
    """(referral, options) for the form: the proposal first, then the best alternatives."""
    rows = []
    for referral in referrals:
        proposed = proposed_by_referral.get(referral.pk)
        options = []
        if proposed is not None:
            options.append(
                (
                    proposed.volunteer.pk,
                    _("%(name)s (proposed, score %(score)s)")
                    % {"name": proposed.volunteer.full_name, "score": round(proposed.score)},
                )
            )
        shown = {pk for pk, _label in options}
        others = [a for a in best_volunteers.get(referral.pk, []) if a[0].pk not in shown]
        for volunteer, score, free in others[:ALTERNATIVES]:
            shown.add(volunteer.pk)
            options.append(
                (
                    volunteer.pk,
                    _("%(name)s (score %(score)s, room for %(free)s)")
                    % {"name": volunteer.full_name, "score": round(score), "free": free},
                )
            )
        extra = extra_options.get(referral.pk)
        if extra is not None and extra.pk not in shown:
            options.append((extra.pk, extra.full_name))
        rows.append((referral, options))
    return rows


def _note_shown(request, rows, unmatched) -> None:
    """The processing log: the waiting pupils on the page and the volunteers offered."""
    note(request, "pupil", [r.pupil_id for r, _options in rows] + [r.pupil_id for r in unmatched])
    note(request, "volunteer", [pk for _r, options in rows for pk, _label in options])


def _note_matched(request, pairs) -> None:
    """The processing log: the pupils and volunteers of the matches just made."""
    note(request, "pupil", [referral.pupil_id for referral, _v in pairs], Action.CREATE)
    note(request, "volunteer", [volunteer.pk for _r, volunteer in pairs], Action.CREATE)


def _posted_referral_ids(request) -> list[int]:
    ids = []
    for value in request.POST.get("referrals", "").split(","):
        value = value.strip()
        if value.isdigit() and int(value) not in ids:
            ids.append(int(value))
    return ids


@leader_required
def batch(request, pk: int):
    """The proposal for a programme's whole waitlist: review, adjust, confirm (all or nothing)."""
    user = request.user
    programme = get_object_or_404(
        Programme.objects.managed_by(user).select_related("initiative"), pk=pk
    )
    today = timezone.localdate()
    proposal = propose(programme, on=today)
    proposed_by_referral = {p.referral.pk: p for p in proposal.matches}

    extra_options: dict[int, Volunteer] = {}
    if request.method == "POST":
        # The pupils on the page the leader reviewed, whatever their status
        # now: the service says clearly who can no longer be matched.
        referrals = selectors.batch_referrals(
            user=user, programme=programme, ids=_posted_referral_ids(request)
        )
        posted = {}
        for referral in referrals:
            value = request.POST.get(BatchForm.field_name(referral), "")
            if value.isdigit():
                posted[referral.pk] = int(value)
        volunteers_by_pk = selectors.programme_volunteers(programme, posted.values())
        extra_options = {
            r_pk: volunteers_by_pk[v_pk]
            for r_pk, v_pk in posted.items()
            if v_pk in volunteers_by_pk
        }
        valid_ids = set(volunteers_by_pk)
    else:
        referrals = [p.referral for p in proposal.matches]
        valid_ids = set()

    # The best few per pupil (one more, in case it is the proposed one).
    others = alternatives(referrals, programme, on=today, limit=ALTERNATIVES + 1)
    rows = _batch_rows(referrals, proposed_by_referral, others, extra_options)
    if request.method == "GET":
        valid_ids = {pk for _r, options in rows for pk, _label in options}
    form_kwargs = {"rows": rows, "valid_volunteer_ids": valid_ids}
    if request.method == "POST":
        form = BatchForm(request.POST, **form_kwargs)
        if form.is_valid():
            pairs = [(r, volunteers_by_pk[v]) for r, v in form.chosen()]
            try:
                matches = match_confirm_proposal(
                    user=user,
                    programme=programme,
                    pairs=pairs,
                    start_date=form.cleaned_data["start_date"],
                    location_type=form.cleaned_data["location_type"],
                )
            except ValidationError as error:
                add_errors(form, error)
            else:
                _note_matched(request, pairs)
                messages.success(
                    request,
                    ngettext(
                        "%(count)s match has been made.",
                        "%(count)s matches have been made.",
                        len(matches),
                    )
                    % {"count": len(matches)},
                )
                return redirect(f"{reverse('referrals:waitlist')}?programme={programme.pk}")
    else:
        form = BatchForm(
            initial={
                BatchForm.field_name(r): proposed_by_referral[r.pk].volunteer.pk
                for r in referrals
                if r.pk in proposed_by_referral
            },
            **form_kwargs,
        )

    _note_shown(request, rows, proposal.unmatched)
    batch_rows = [
        BatchRow(
            referral=referral,
            proposed=proposed_by_referral.get(referral.pk),
            days_waiting=selectors.days_waiting(referral, today=today),
            field=form[BatchForm.field_name(referral)],
        )
        for referral, _options in rows
    ]
    return render(
        request,
        "referrals/matching/batch.html",
        {
            "programme": programme,
            "form": form,
            "rows": batch_rows,
            "referral_ids": ",".join(str(r.pk) for r in referrals),
            "unmatched": [
                {"referral": r, "days_waiting": selectors.days_waiting(r, today=today)}
                for r in proposal.unmatched
            ],
        },
    )
