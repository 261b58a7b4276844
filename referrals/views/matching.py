"""Matching pages: suggestions for a waiting pupil, a match by hand, the batch
proposal for a whole waitlist, and the matches themselves (list, detail, end,
replace the volunteer, group members).

Access: project leaders act on their own initiative's referrals and matches
(another initiative's: 404). A volunteer sees their own active matches and
nothing else (another volunteer's match: 404) and may not change them (403).
School referrers, municipal officials and outsiders get 403: the school sees
its referrals on its own pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import wraps

import numpy as np
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.scope import scope_for
from core.querysets import any_of
from initiatives.models import Programme, Volunteer

from .. import selectors
from ..forms.matching import (
    AddParticipantForm,
    BatchForm,
    MatchCreateForm,
    MatchEndForm,
    MatchReplaceForm,
    RemoveParticipantForm,
    SlotFormSet,
)
from ..matching.proposal import propose
from ..matching.rules import blockers_from_facts, load_facts, required_trainings
from ..matching.scoring import (
    eligible_facts,
    load_pupil_profiles,
    load_volunteer_profiles,
    score_matrix,
    suggestions_for,
)
from ..models import Match, MatchParticipant, Referral
from ..services.matches import (
    match_add_participant,
    match_confirm_proposal,
    match_create,
    match_end,
    match_remove_participant,
    match_replace_volunteer,
    pupil_set_availability,
)
from .leader import _add_errors, _guardian_languages, leader_required

S = Referral.Status
MATCHES_PER_PAGE = 50


def matching_user_required(view):
    """Signed in, and project leader or volunteer somewhere (or administrator)."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        scope = scope_for(request.user)
        if not (scope.is_superuser or scope.led_initiative_ids or scope.volunteer_initiative_ids):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


# --- reads ---------------------------------------------------------------------------


def _matches_for(user) -> QuerySet[Match]:
    """The matches of the user's initiatives as leader, and their own active ones as volunteer.

    Not ``Match.objects.visible_to``: that also lets a school see its
    pupils' matches, which these pages do not show.
    """
    scope = scope_for(user)
    if scope.is_superuser:
        return Match.objects.all()
    condition = any_of(
        Q(programme__initiative_id__in=scope.led_initiative_ids)
        if scope.led_initiative_ids
        else None,
        Q(volunteer__user_id=scope.user_id, end_date__isnull=True)
        if scope.volunteer_initiative_ids
        else None,
    )
    return Match.objects.filter(condition) if condition is not None else Match.objects.none()


def _match(request, pk: int) -> Match:
    return get_object_or_404(
        _matches_for(request.user).select_related("programme__initiative", "volunteer"), pk=pk
    )


def _led_match(request, pk: int) -> Match:
    """A match the user may see (else 404) and change as project leader (else 403)."""
    match = _match(request, pk)
    if not scope_for(request.user).leads(match.programme.initiative_id):
        raise PermissionDenied
    return match


@dataclass
class Eligible:
    volunteers: list[Volunteer]
    free_capacity: dict[int, int]

    @property
    def ids(self) -> list[int]:
        return [v.pk for v in self.volunteers]

    def queryset(self) -> QuerySet[Volunteer]:
        return Volunteer.objects.filter(pk__in=self.ids).order_by("last_name", "first_name")


def _eligible(programme: Programme, *, extra: int = 1, exclude: int | None = None) -> Eligible:
    """Volunteers who may take ``extra`` more pupils in ``programme`` today (fixed queries)."""
    candidates = Volunteer.objects.filter(
        initiative_id=programme.initiative_id, status=Volunteer.Status.ACTIVE
    )
    if exclude is not None:
        candidates = candidates.exclude(pk=exclude)
    volunteers = list(candidates.select_related("initiative").order_by("last_name", "first_name"))
    facts = load_facts(volunteers)
    required = required_trainings(programme)
    today = timezone.localdate()
    chosen = [
        v
        for v in volunteers
        if not blockers_from_facts(
            facts[v.pk], programme, on=today, required=required, extra_pupils=extra
        )
    ]
    return Eligible(
        volunteers=chosen, free_capacity={v.pk: facts[v.pk].free_capacity for v in chosen}
    )


def _referral_matches(referral_ids) -> list[Match]:
    """Every match (current and earlier) of these referrals, newest first."""
    return list(
        Match.objects.filter(participants__referral_id__in=list(referral_ids))
        .distinct()
        .select_related("volunteer", "programme")
        .order_by("-start_date", "-pk")
    )


def _safe_next(request) -> str | None:
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None


# --- suggestions for one waiting pupil ------------------------------------------------------


@leader_required
def suggestions(request, pk: int):
    """Ranked volunteers for a waiting pupil, the pupil's availability, and their matches."""
    referral = selectors.leader_referral_detail(user=request.user, pk=pk)
    is_waiting = referral.status == S.WAITING
    return render(
        request,
        "referrals/matching/suggestions.html",
        {
            "referral": referral,
            "pupil": referral.pupil,
            "is_waiting": is_waiting,
            "suggestions": suggestions_for(referral) if is_waiting else [],
            "availability": list(referral.pupil.availability.order_by("weekday", "start_time")),
            "languages": _guardian_languages(referral),
            "matches": _referral_matches([referral.pk]),
            "days_waiting": selectors.days_waiting(referral),
        },
    )


def _not_waiting(request, referral: Referral):
    messages.error(
        request,
        _("%(name)s is not on the waitlist (status: %(status)s).")
        % {"name": referral.pupil.full_name, "status": referral.get_status_display()},
    )
    return redirect("referrals:match_suggestions", pk=referral.pk)


def _preselected(request, referral: Referral, eligible: Eligible):
    """The volunteer asked for in ``?volunteer=``: eligible, or with the reasons why not."""
    try:
        wanted = int(request.GET.get("volunteer", ""))
    except ValueError:
        return None, None, []
    if wanted in eligible.ids:
        return wanted, None, []
    volunteer = (
        Volunteer.objects.visible_to(request.user)
        .filter(initiative_id=referral.programme.initiative_id, pk=wanted)
        .select_related("initiative")
        .first()
    )
    if volunteer is None:
        return None, None, []
    facts = load_facts([volunteer])[volunteer.pk]
    reasons = blockers_from_facts(
        facts,
        referral.programme,
        on=timezone.localdate(),
        required=required_trainings(referral.programme),
    )
    return None, volunteer, reasons


@leader_required
def create(request, pk: int):
    """Match a waiting pupil (and, in a group programme, others) with an eligible volunteer."""
    user = request.user
    referral = selectors.leader_referral_detail(user=user, pk=pk)
    if referral.status != S.WAITING:
        return _not_waiting(request, referral)
    programme = referral.programme
    eligible = _eligible(programme)
    group_referrals = None
    if programme.format == Programme.Format.GROUP and programme.group_size_max > 1:
        group_referrals = selectors.waitlist(user=user, programme=programme).exclude(pk=referral.pk)
    kwargs = {
        "programme": programme,
        "volunteers": eligible.queryset(),
        "free_capacity": eligible.free_capacity,
        "group_referrals": group_referrals,
    }
    blocked, blocked_reasons = None, []
    if request.method == "POST":
        form = MatchCreateForm(request.POST, **kwargs)
        if form.is_valid():
            data = form.cleaned_data
            try:
                match = match_create(
                    user=user,
                    referrals=[referral, *data.get("other_referrals", [])],
                    volunteer=data["volunteer"],
                    location_type=data["location_type"],
                    start_date=data["start_date"],
                    planned_end_date=data["planned_end_date"],
                    frequency=data["frequency"],
                    session_minutes=data["session_minutes"],
                )
            except ValidationError as error:
                _add_errors(form, error)
            else:
                messages.success(
                    request,
                    _("%(pupil)s is now matched with %(volunteer)s.")
                    % {"pupil": referral.pupil.full_name, "volunteer": match.volunteer.full_name},
                )
                return redirect("referrals:match_detail", pk=match.pk)
    else:
        preselected, blocked, blocked_reasons = _preselected(request, referral, eligible)
        form = MatchCreateForm(initial={"volunteer": preselected}, **kwargs)
    return render(
        request,
        "referrals/matching/create.html",
        {
            "referral": referral,
            "form": form,
            "has_eligible": bool(eligible.volunteers),
            "blocked": blocked,
            "blocked_reasons": blocked_reasons,
        },
    )


@leader_required
def availability(request, pk: int):
    """The weekly time slots in which the pupil can take part."""
    referral = selectors.leader_referral_detail(user=request.user, pk=pk)
    pupil = referral.pupil
    next_url = _safe_next(request)
    service_errors: list[str] = []
    if request.method == "POST":
        formset = SlotFormSet(request.POST, prefix="slots")
        if formset.is_valid():
            try:
                pupil_set_availability(user=request.user, pupil=pupil, slots=formset.slots())
            except ValidationError as error:
                service_errors = list(error.messages)
            else:
                messages.success(request, _("The availability has been saved."))
                if next_url:
                    return redirect(next_url)
                return redirect("referrals:match_suggestions", pk=referral.pk)
    else:
        formset = SlotFormSet(
            prefix="slots",
            initial=[
                {"weekday": a.weekday, "start_time": a.start_time, "end_time": a.end_time}
                for a in pupil.availability.order_by("weekday", "start_time")
            ],
        )
    return render(
        request,
        "referrals/matching/availability.html",
        {
            "referral": referral,
            "pupil": pupil,
            "formset": formset,
            "service_errors": service_errors,
            "next": next_url or "",
        },
    )


# --- the whole waitlist at once -----------------------------------------------------------


@dataclass
class BatchRow:
    referral: Referral
    proposed: object  # ProposedMatch, or None when the pupil was not in the proposal
    days_waiting: int | None
    field: object = None


ALTERNATIVES = 5  # other volunteers offered per pupil, best scores first


def _alternatives(referrals: list[Referral], programme: Programme, *, on) -> dict[int, list]:
    """For each referral the eligible volunteers with their scores, best first.

    One score matrix for all pupils and volunteers: a fixed number of
    queries, whatever the length of the waitlist.
    """
    facts = eligible_facts(programme, on=on)
    if not referrals or not facts:
        return {r.pk: [] for r in referrals}
    pupils = load_pupil_profiles(referrals, programme)
    profiles = load_volunteer_profiles(facts)
    volunteers = [f.volunteer for f in facts]
    rows = [pupils[r.pk] for r in referrals]
    scores = score_matrix(rows, [profiles[v.pk] for v in volunteers])
    free = {v.pk: profiles[v.pk].free_capacity for v in volunteers}
    # The best few per pupil (one more, in case it is the proposed one).
    best = np.argsort(-scores, axis=1, kind="stable")[:, : ALTERNATIVES + 1]
    return {
        referral.pk: [(volunteers[j], float(scores[i][j]), free[volunteers[j].pk]) for j in best[i]]
        for i, referral in enumerate(referrals)
    }


def _batch_rows(referrals, proposed_by_referral, alternatives, extra_options):
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
        others = [a for a in alternatives.get(referral.pk, []) if a[0].pk not in shown]
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
    initiative_volunteers = Volunteer.objects.filter(initiative_id=programme.initiative_id)

    extra_options: dict[int, Volunteer] = {}
    if request.method == "POST":
        # The pupils on the page the leader reviewed, whatever their status
        # now: the service says clearly who can no longer be matched.
        ids = _posted_referral_ids(request)
        found = {
            r.pk: r
            for r in Referral.objects.visible_to(user)
            .filter(programme=programme, pk__in=ids)
            .select_related("pupil__neighbourhood__parent", "programme__initiative")
        }
        referrals = [found[i] for i in ids if i in found]
        posted = {}
        for referral in referrals:
            value = request.POST.get(BatchForm.field_name(referral), "")
            if value.isdigit():
                posted[referral.pk] = int(value)
        volunteers_by_pk = {
            v.pk: v
            for v in initiative_volunteers.filter(pk__in=set(posted.values())).select_related(
                "initiative"
            )
        }
        extra_options = {
            r_pk: volunteers_by_pk[v_pk]
            for r_pk, v_pk in posted.items()
            if v_pk in volunteers_by_pk
        }
        valid_ids = set(volunteers_by_pk)
    else:
        referrals = [p.referral for p in proposal.matches]
        valid_ids = set()

    alternatives = _alternatives(referrals, programme, on=today)
    rows = _batch_rows(referrals, proposed_by_referral, alternatives, extra_options)
    if request.method == "GET":
        valid_ids = {pk for _r, options in rows for pk, _label in options}
    form_kwargs = {"rows": rows, "valid_volunteer_ids": valid_ids}
    if request.method == "POST":
        form = BatchForm(request.POST, **form_kwargs)
        if form.is_valid():
            try:
                matches = match_confirm_proposal(
                    user=user,
                    programme=programme,
                    pairs=[(r, volunteers_by_pk[v]) for r, v in form.chosen()],
                    start_date=form.cleaned_data["start_date"],
                    location_type=form.cleaned_data["location_type"],
                )
            except ValidationError as error:
                _add_errors(form, error)
            else:
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


# --- matches ---------------------------------------------------------------------------


STATUS_FILTERS = {"active": gettext_lazy("Active"), "ended": gettext_lazy("Ended")}


@matching_user_required
def match_list(request):
    """Active (or ended) matches: of the leader's initiatives, or the volunteer's own."""
    status = request.GET.get("status", "active")
    if status not in STATUS_FILTERS:
        status = "active"
    matches = _matches_for(request.user).filter(end_date__isnull=status == "active")
    matches = matches.select_related("programme", "volunteer").prefetch_related(
        Prefetch(
            "participants",
            queryset=MatchParticipant.objects.select_related("pupil").order_by(
                "pupil__last_name", "pupil__first_name", "pk"
            ),
        )
    )
    order = ("-start_date", "-pk") if status == "active" else ("-end_date", "-pk")
    page = Paginator(matches.order_by(*order), MATCHES_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "referrals/matching/match_list.html",
        {
            "page": page,
            "matches": page.object_list,
            "status": status,
            "filters": list(STATUS_FILTERS.items()),
        },
    )


def _detail_context(request, match: Match, **forms) -> dict:
    participants = list(
        match.participants.select_related("pupil__school", "referral").order_by(
            "left_on", "pupil__last_name", "pk"
        )
    )
    active = [p for p in participants if p.left_on is None]
    is_leader = scope_for(request.user).leads(match.programme.initiative_id)
    context = {
        "match": match,
        "participants": participants,
        "active_participants": active,
        "is_leader": is_leader,
        "can_change": is_leader and match.is_active,
        "is_group": match.kind == Match.Kind.GROUP,
        "frequency_label": dict(Programme.Frequency.choices).get(match.frequency, match.frequency),
    }
    if is_leader:
        context["history"] = [
            m for m in _referral_matches(p.referral_id for p in participants) if m.pk != match.pk
        ]
    if context["can_change"]:
        context["end_form"] = forms.get("end_form") or MatchEndForm(prefix="end")
        eligible = _eligible(match.programme, extra=max(len(active), 1), exclude=match.volunteer_id)
        context["replace_form"] = forms.get("replace_form") or MatchReplaceForm(
            prefix="replace",
            volunteers=eligible.queryset(),
            free_capacity=eligible.free_capacity,
        )
        if context["is_group"] and len(active) < match.programme.group_size_max:
            context["add_form"] = forms.get("add_form") or AddParticipantForm(
                prefix="add", referrals=_joinable(request.user, match)
            )
    return context


def _joinable(user, match: Match) -> QuerySet[Referral]:
    return selectors.waitlist(user=user, programme=match.programme)


@matching_user_required
def match_detail(request, pk: int):
    match = _match(request, pk)
    return render(request, "referrals/matching/match_detail.html", _detail_context(request, match))


def _refuse_if_ended(request, match: Match):
    if not match.is_active:
        messages.error(request, _("This match has already ended."))
        return redirect("referrals:match_detail", pk=match.pk)
    return None


def _form_page(request, match: Match, form, *, title: str, intro: str = "", participant=None):
    return render(
        request,
        "referrals/matching/form.html",
        {
            "match": match,
            "form": form,
            "title": title,
            "intro": intro,
            "participant": participant,
            "action": request.path,
        },
    )


def _run(request, form, call, success: str, *, to: int | None = None):
    """Call the service and go to the match it returns (or ``to``).

    On refusal the reasons go on the form and None is returned, so the
    caller shows the form again.
    """
    try:
        result = call()
    except ValidationError as error:
        _add_errors(form, error)
        return None
    messages.success(request, success)
    return redirect("referrals:match_detail", pk=to or result.pk)


@matching_user_required
def end(request, pk: int):
    match = _led_match(request, pk)
    refused = _refuse_if_ended(request, match)
    if refused:
        return refused
    form = MatchEndForm(request.POST or None, prefix="end")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        response = _run(
            request,
            form,
            lambda: match_end(
                user=request.user,
                match=match,
                end_date=data["end_date"],
                end_reason=data["end_reason"],
                end_note=data["end_note"],
                back_to_waitlist=data["back_to_waitlist"],
            ),
            _("The match has been ended."),
        )
        if response:
            return response
    return _form_page(request, match, form, title=_("End the match"))


@matching_user_required
def replace(request, pk: int):
    match = _led_match(request, pk)
    refused = _refuse_if_ended(request, match)
    if refused:
        return refused
    active = match.participants.filter(left_on__isnull=True).count()
    eligible = _eligible(match.programme, extra=max(active, 1), exclude=match.volunteer_id)
    form = MatchReplaceForm(
        request.POST or None,
        prefix="replace",
        volunteers=eligible.queryset(),
        free_capacity=eligible.free_capacity,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        response = _run(
            request,
            form,
            lambda: match_replace_volunteer(
                user=request.user,
                match=match,
                volunteer=data["volunteer"],
                date=data["date"],
                reason_note=data["reason_note"],
            ),
            _("The new volunteer has taken over. The earlier match stays in the history."),
        )
        if response:
            return response
    return _form_page(
        request,
        match,
        form,
        title=_("Replace the volunteer"),
        intro=_(
            "The current match ends with the reason “volunteer stopped”; a new match with "
            "the same pupils starts with the new volunteer. The history stays together."
        ),
    )


@matching_user_required
def add_participant(request, pk: int):
    match = _led_match(request, pk)
    refused = _refuse_if_ended(request, match)
    if refused:
        return refused
    form = AddParticipantForm(
        request.POST or None, prefix="add", referrals=_joinable(request.user, match)
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        response = _run(
            request,
            form,
            lambda: match_add_participant(
                user=request.user, match=match, referral=data["referral"], date=data["date"]
            ),
            _("%(name)s has joined the group.") % {"name": data["referral"].pupil.full_name},
            to=match.pk,
        )
        if response:
            return response
    return _form_page(request, match, form, title=_("Add a pupil to the group"))


@matching_user_required
def remove_participant(request, pk: int, participant_pk: int):
    match = _led_match(request, pk)
    refused = _refuse_if_ended(request, match)
    if refused:
        return refused
    participant = get_object_or_404(
        match.participants.select_related("pupil", "referral"),
        pk=participant_pk,
        left_on__isnull=True,
    )
    form = RemoveParticipantForm(request.POST or None, prefix="remove")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        response = _run(
            request,
            form,
            lambda: match_remove_participant(
                user=request.user,
                participant=participant,
                date=data["end_date"],
                end_reason=data["end_reason"],
                back_to_waitlist=data["back_to_waitlist"],
            ),
            _("%(name)s has left the group.") % {"name": participant.pupil.full_name},
            to=match.pk,
        )
        if response:
            return response
    return _form_page(
        request,
        match,
        form,
        title=_("%(name)s leaves the group") % {"name": participant.pupil.full_name},
        participant=participant,
    )


urlpatterns = [
    path("koppelingen/", match_list, name="match_list"),
    path("koppelingen/<int:pk>/", match_detail, name="match_detail"),
    path("koppelingen/<int:pk>/beeindigen/", end, name="match_end"),
    path("koppelingen/<int:pk>/vervangen/", replace, name="match_replace"),
    path("koppelingen/<int:pk>/deelnemers/", add_participant, name="match_add_participant"),
    path(
        "koppelingen/<int:pk>/deelnemers/<int:participant_pk>/uitschrijven/",
        remove_participant,
        name="match_remove_participant",
    ),
    path("koppelingen/aanmelding/<int:pk>/", suggestions, name="match_suggestions"),
    path("koppelingen/aanmelding/<int:pk>/nieuw/", create, name="match_create"),
    path(
        "koppelingen/aanmelding/<int:pk>/beschikbaarheid/",
        availability,
        name="pupil_availability",
    ),
    path("koppelingen/programma/<int:pk>/", batch, name="match_batch"),
]
