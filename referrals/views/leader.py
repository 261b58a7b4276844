"""The project leader's side of the referral journey.

Inbox, one referral with the actions its status allows, the
driehoeksgesprek and action plan, the waitlist, and entering a referral that
came in by phone or mail. Views are thin: reads come from
``referrals.selectors``, writes go through ``referrals.services``.

Access: signed in (else to the login page), a project leader of some
initiative (else 403), and a referral of one's own initiative (else 404).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.decorators import leader_required
from audit.services import Action, note, note_record
from core.submissions import once_per_submission
from initiatives.models import Programme
from municipality.models import Neighbourhood
from schools.models import SchoolLocation

from .. import selectors, services
from ..forms.leader import (
    GoalFormSet,
    GuardianFormSet,
    LeaderReferralForm,
    MeetingOutcomeForm,
    MeetingPlanForm,
    PriorityForm,
    ReasonForm,
    VersionForm,
)
from ..models import Goal, PriorityChange, Referral, ReferralStatusChange, TripartiteMeeting
from ..services.adults import led_adult_programmes
from ..services.lifecycle import TRANSITIONS, age_on
from ..services.waitlist import reminder_interval
from .common import add_errors, guardian_languages, safe_next, to_leader_detail

S = Referral.Status
# Statuses in which the place in the queue still matters.
PRIORITY_STATUSES = frozenset({S.SUBMITTED, S.INTAKE, S.WAITING})


STALE_CODES = frozenset({"invalid_transition", "concurrent_change"})


def _is_stale(error: ValidationError) -> bool:
    """The page no longer matches the referral: tell the user, do not re-show the form."""
    return getattr(error, "code", None) in STALE_CODES


def _error_text(error: ValidationError) -> str:
    return " ".join(str(m) for m in error.messages)


def _referral(request, pk: int) -> Referral:
    return selectors.leader_referral_detail(user=request.user, pk=pk)


def _version_form(referral: Referral, form_class=VersionForm, **kwargs):
    return form_class(initial={"version": referral.version}, **kwargs)


# --- inbox -------------------------------------------------------------------


INTAKE_STEPS = {
    "plan": gettext_lazy("Plan the driehoeksgesprek"),
    "outcome": gettext_lazy("Record the outcome of the driehoeksgesprek"),
    "waitlist": gettext_lazy("Ready for the waitlist"),
}


@dataclass
class InboxRow:
    referral: Referral
    days_waiting: int | None


@dataclass
class IntakeRow:
    referral: Referral
    days_waiting: int | None
    step: str
    step_label: str


def _intake_step(referral: Referral) -> str:
    if referral.has_goals:
        return "waitlist"
    if referral.has_open_meeting:
        return "outcome"
    return "plan"


INBOX_PER_PAGE = 25


@leader_required
def inbox(request):
    """New referrals, oldest first; below them the referrals in intake (25 of each a page)."""
    user = request.user
    today = timezone.localdate()
    new_page = Paginator(
        selectors.with_possible_duplicate(selectors.inbox(user=user), user=user), INBOX_PER_PAGE
    ).get_page(request.GET.get("page"))
    new = [
        InboxRow(referral=r, days_waiting=selectors.days_waiting(r, today=today))
        for r in new_page.object_list
    ]
    in_intake = selectors.with_possible_duplicate(
        selectors.intake_referrals(user=user), user=user
    ).annotate(
        has_goals=Exists(Goal.objects.filter(plan__referral=OuterRef("pk"))),
        has_open_meeting=Exists(
            TripartiteMeeting.objects.filter(referral=OuterRef("pk"), held_on__isnull=True)
        ),
    )
    intake_page = Paginator(in_intake, INBOX_PER_PAGE).get_page(request.GET.get("intake"))
    intake_rows = []
    for r in intake_page.object_list:
        step = _intake_step(r)
        intake_rows.append(
            IntakeRow(
                referral=r,
                days_waiting=selectors.days_waiting(r, today=today),
                step=step,
                step_label=str(INTAKE_STEPS[step]),
            )
        )
    note(request, "pupil", [row.referral.pupil_id for row in [*new, *intake_rows]])
    return render(
        request,
        "referrals/leader/inbox.html",
        {
            "new_rows": new,
            "new_page": new_page,
            "intake_rows": intake_rows,
            "intake_page": intake_page,
            "has_adult_programmes": led_adult_programmes(user=user).exists(),
        },
    )


# --- one referral ------------------------------------------------------------


@leader_required
def referral_detail(request, pk: int):
    referral = _referral(request, pk)
    context = _detail_context(referral, user=request.user)
    note(request, "pupil", [pupil.pk for pupil in context["duplicates"]])
    return render(request, "referrals/leader/detail.html", context)


def _detail_context(referral: Referral, *, user, **forms) -> dict:
    status = referral.status
    allowed = TRANSITIONS.get(status, frozenset())
    in_intake = status == S.INTAKE
    meetings = list(
        referral.tripartite_meetings.select_related("recorded_by").order_by("planned_at", "pk")
    )
    attendee_labels = dict(TripartiteMeeting.Attendee.choices)
    for meeting in meetings:
        meeting.attendee_labels = [str(attendee_labels.get(a, a)) for a in meeting.attendees]
    context = {
        "referral": referral,
        "pupil": referral.pupil,
        "guardians": list(referral.pupil.guardians.order_by("pk")),
        "days_waiting": selectors.days_waiting(referral),
        "status_changes": list(
            ReferralStatusChange.objects.filter(referral=referral)
            .select_related("changed_by")
            .order_by("changed_at", "pk")
        ),
        "meetings": meetings,
        "open_meetings": [m for m in meetings if m.held_on is None] if in_intake else [],
        "goals": selectors.goals_with_evaluations(referral),
        "priority_changes": list(
            PriorityChange.objects.filter(referral=referral)
            .select_related("changed_by")
            .order_by("changed_at", "pk")
        ),
        "next_step": selectors.next_step(referral),
        # The same child known through a parent, another school or programme.
        "duplicates": selectors.possible_duplicates_of(user=user, referral=referral),
        "is_adult_programme": referral.programme.audience == Programme.Audience.ADULTS,
        "can_accept": S.INTAKE in allowed,
        "can_decline": S.DECLINED in allowed,
        "can_withdraw": S.WITHDRAWN in allowed,
        "can_waitlist": in_intake and S.WAITING in allowed,
        "can_plan_meeting": in_intake,
        "can_change_priority": status in PRIORITY_STATUSES,
        "version_form": _version_form(referral),
        "decline_form": forms.get("decline_form")
        or _version_form(referral, ReasonForm, prefix="decline"),
        "withdraw_form": forms.get("withdraw_form")
        or _version_form(referral, ReasonForm, prefix="withdraw"),
    }
    return context


def _transition(request, referral: Referral, action, success: str):
    """Run a status change; any refusal becomes a message on the detail page."""
    try:
        action()
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, success)
    return to_leader_detail(referral)


def _posted_version(request, referral: Referral, prefix: str | None = None) -> int | None:
    form = VersionForm(request.POST, prefix=prefix)
    return form.cleaned_data["version"] if form.is_valid() else None


def _versioned_action(request, pk: int, service, success: str):
    """A one-button status change: the posted version guards against stale pages."""
    referral = _referral(request, pk)
    version = _posted_version(request, referral)
    if version is None:
        messages.error(request, _("The form was incomplete. Reload the page and try again."))
        return to_leader_detail(referral)
    return _transition(
        request,
        referral,
        lambda: service(referral=referral, user=request.user, expected_version=version),
        success,
    )


@leader_required
@require_POST
def referral_accept(request, pk: int):
    return _versioned_action(
        request,
        pk,
        services.referral_accept,
        _("The referral has been accepted for intake. Plan the driehoeksgesprek next."),
    )


@leader_required
@require_POST
def referral_waitlist(request, pk: int):
    return _versioned_action(
        request, pk, services.referral_place_on_waitlist, _("The pupil is now on the waitlist.")
    )


def _form_service(request, referral: Referral, form, call, on_success):
    """Run the service behind a valid form.

    A stale page gets the "someone else changed this" message and goes back
    to the detail; other refusals are put on the form (None: render it again).
    """
    try:
        call()
    except ValidationError as error:
        if _is_stale(error):
            messages.error(request, _error_text(error))
            return to_leader_detail(referral)
        add_errors(form, error)
        return None
    return on_success()


def _succeeded(request, referral: Referral, message: str):
    messages.success(request, message)
    return to_leader_detail(referral)


def _reason_action(request, pk: int, *, prefix: str, service, title: str, success: str):
    """Decline or withdraw: a reason is required and shown to the referrer."""
    referral = _referral(request, pk)
    if request.method == "POST":
        form = ReasonForm(request.POST, prefix=prefix)
        if form.is_valid():
            response = _form_service(
                request,
                referral,
                form,
                lambda: service(
                    referral=referral,
                    user=request.user,
                    reason=form.cleaned_data["reason"],
                    expected_version=form.cleaned_data["version"],
                ),
                lambda: _succeeded(request, referral, success),
            )
            if response:
                return response
    else:
        form = _version_form(referral, ReasonForm, prefix=prefix)
    return render(
        request,
        "referrals/leader/reason_form.html",
        {"referral": referral, "form": form, "title": title, "action": request.path},
    )


@leader_required
def referral_decline(request, pk: int):
    return _reason_action(
        request,
        pk,
        prefix="decline",
        service=services.referral_decline,
        title=_("Decline the referral"),
        success=_("The referral has been declined. The referrer is told the reason."),
    )


@leader_required
def referral_withdraw(request, pk: int):
    return _reason_action(
        request,
        pk,
        prefix="withdraw",
        service=services.referral_withdraw,
        title=_("Withdraw the referral"),
        success=_("The referral has been withdrawn."),
    )


# --- driehoeksgesprek ----------------------------------------------------------


def _refuse_unless_intake(request, referral: Referral):
    if referral.status != S.INTAKE:
        messages.error(
            request,
            _("The driehoeksgesprek belongs to the intake; this referral is “%(status)s”.")
            % {"status": referral.get_status_display()},
        )
        return to_leader_detail(referral)
    return None


@leader_required
def meeting_plan(request, pk: int):
    referral = _referral(request, pk)
    refused = _refuse_unless_intake(request, referral)
    if refused:
        return refused
    if request.method == "POST":
        form = MeetingPlanForm(request.POST)
        if form.is_valid():
            response = _form_service(
                request,
                referral,
                form,
                lambda: services.tripartite_meeting_plan(
                    referral=referral,
                    user=request.user,
                    planned_at=form.planned_at,
                    attendees=form.cleaned_data["attendees"],
                    expected_version=form.cleaned_data["version"],
                ),
                lambda: _succeeded(request, referral, _("The driehoeksgesprek has been planned.")),
            )
            if response:
                return response
    else:
        form = _version_form(referral, MeetingPlanForm)
    return render(
        request, "referrals/leader/meeting_plan.html", {"referral": referral, "form": form}
    )


@leader_required
def meeting_outcome(request, pk: int, meeting_pk: int):
    referral = _referral(request, pk)
    meeting = get_object_or_404(TripartiteMeeting, pk=meeting_pk, referral=referral)
    refused = _refuse_unless_intake(request, referral)
    if refused:
        return refused
    if meeting.held_on is not None:
        messages.info(request, _("The outcome of this driehoeksgesprek has already been recorded."))
        return to_leader_detail(referral)
    if request.method == "POST":
        form = MeetingOutcomeForm(request.POST)
        goal_formset = GoalFormSet(request.POST, prefix="goals")
        if form.is_valid() and goal_formset.is_valid():
            data = form.cleaned_data

            response = _form_service(
                request,
                referral,
                form,
                lambda: services.tripartite_meeting_record_outcome(
                    meeting=meeting,
                    user=request.user,
                    held_on=data["held_on"],
                    attendees=data["attendees"],
                    agreements=data["agreements"],
                    parent_conditions=data["parent_conditions"],
                    conditions_accepted=data["conditions_accepted"],
                    goals=goal_formset.goals(),
                    expected_version=data["version"],
                ),
                lambda: _succeeded(
                    request, referral, _("The outcome and the action plan have been recorded.")
                ),
            )
            if response:
                return response
    else:
        planned_on = timezone.localtime(meeting.planned_at).date()
        form = MeetingOutcomeForm(
            initial={
                "version": referral.version,
                "held_on": min(planned_on, timezone.localdate()),
                "attendees": meeting.attendees,
            }
        )
        goal_formset = GoalFormSet(prefix="goals")
    return render(
        request,
        "referrals/leader/meeting_outcome.html",
        {"referral": referral, "meeting": meeting, "form": form, "goal_formset": goal_formset},
    )


# --- priority ------------------------------------------------------------------


@leader_required
def referral_priority(request, pk: int):
    referral = _referral(request, pk)
    next_url = safe_next(request)
    if referral.status not in PRIORITY_STATUSES:
        messages.error(
            request, _("The priority only matters while the pupil waits for a volunteer.")
        )
        return to_leader_detail(referral)
    if request.method == "POST":
        form = PriorityForm(request.POST, prefix="priority")
        if form.is_valid():
            data = form.cleaned_data

            def on_success():
                if data["priority"] == referral.priority:
                    messages.info(request, _("The priority was already %(priority)s.") % data)
                else:
                    messages.success(
                        request,
                        _("The priority is now %(priority)s.") % {"priority": data["priority"]},
                    )
                return redirect(next_url) if next_url else to_leader_detail(referral)

            response = _form_service(
                request,
                referral,
                form,
                lambda: services.referral_change_priority(
                    referral=referral,
                    user=request.user,
                    priority=data["priority"],
                    reason=data["reason"],
                    expected_version=data["version"],
                ),
                on_success,
            )
            if response:
                return response
    else:
        form = PriorityForm(
            initial={"version": referral.version, "priority": referral.priority},
            prefix="priority",
        )
    return render(
        request,
        "referrals/leader/priority.html",
        {
            "referral": referral,
            "form": form,
            "next": next_url or "",
            "priority_changes": PriorityChange.objects.filter(referral=referral)
            .select_related("changed_by")
            .order_by("changed_at", "pk"),
        },
    )


# --- waitlist ------------------------------------------------------------------


@dataclass
class WaitlistRow:
    referral: Referral
    days_waiting: int | None
    age: int
    languages: list[str]
    long_wait: bool


WAITLIST_PER_PAGE = 25


@leader_required
def waitlist(request):
    """Waiting pupils of one programme, by priority, then date of referral (25 a page)."""
    user = request.user
    programmes = list(
        Programme.objects.managed_by(user)
        .select_related("initiative")
        .order_by("-is_active", "initiative__name", "name")
    )
    programme = None
    chosen = request.GET.get("programme")
    if chosen:
        programme = next((p for p in programmes if str(p.pk) == chosen), None)
        if programme is None:
            raise Http404
    elif programmes:
        programme = programmes[0]

    rows: list[WaitlistRow] = []
    interval = None
    page = None
    long_waits = 0
    if programme is not None:
        interval = reminder_interval(programme)
        now = timezone.now()
        today = timezone.localdate()
        waiting = selectors.waitlist(user=user, programme=programme)
        page = Paginator(waiting, WAITLIST_PER_PAGE).get_page(request.GET.get("page"))
        long_waits = waiting.filter(waiting_since__lte=now - interval).count()
        for r in page.object_list:
            rows.append(
                WaitlistRow(
                    referral=r,
                    days_waiting=selectors.days_waiting(r, today=today),
                    age=age_on(r.pupil.date_of_birth, today),
                    languages=guardian_languages(r),
                    long_wait=bool(r.waiting_since and now - r.waiting_since >= interval),
                )
            )
    note(request, "pupil", [row.referral.pupil_id for row in rows])
    note(
        request,
        "guardian",
        [guardian.pk for row in rows for guardian in row.referral.pupil.guardians.all()],
    )
    return render(
        request,
        "referrals/leader/waitlist.html",
        {
            "programmes": programmes,
            "programme": programme,
            "rows": rows,
            "page": page,
            "reminder_weeks": interval.days // 7 if interval else None,
            "long_waits": long_waits,
            "waitlist_url": request.get_full_path(),
        },
    )


# --- a referral that arrived by phone or mail ------------------------------------


def _create_choices(user):
    """The pupil form's choices: programmes for adults have their own form."""
    programmes = (
        Programme.objects.managed_by(user)
        .filter(is_active=True, audience=Programme.Audience.PUPILS)
        .select_related("initiative")
        .order_by("initiative__name", "name")
    )
    schools = (
        SchoolLocation.objects.visible_to(user)
        .filter(municipality__programmes__in=programmes)
        .distinct()
        .order_by("name")
    )
    neighbourhoods = (
        Neighbourhood.objects.filter(municipality__programmes__in=programmes)
        .select_related("municipality")
        .distinct()
        .order_by("municipality__name", "name")
    )
    return {"programmes": programmes, "schools": schools, "neighbourhoods": neighbourhoods}


def _duplicates(user, form):
    data = form.cleaned_data
    return list(
        selectors.possible_duplicates(
            user=user,
            initiative=data["programme"].initiative,
            first_name=data["first_name"],
            last_name=data["last_name"],
            date_of_birth=data["date_of_birth"],
        )
        .select_related("school")
        .prefetch_related(
            Prefetch(
                "referrals",
                queryset=Referral.objects.visible_to(user)
                .select_related("programme")
                .order_by("-submitted_at", "-pk"),
                to_attr="visible_referrals",
            )
        )
    )


@leader_required
@once_per_submission
def referral_create(request):
    """Enter a referral from a parent, wijkteam or school that came in by phone or mail."""
    user = request.user
    choices = _create_choices(user)
    duplicates = []
    if request.method == "POST":
        form = LeaderReferralForm(request.POST, **choices)
        guardian_formset = GuardianFormSet(request.POST, prefix="guardians")
        if form.is_valid() and guardian_formset.is_valid():
            duplicates = _duplicates(user, form)
            if duplicates and not form.cleaned_data["save_anyway"]:
                form.add_error(
                    "save_anyway",
                    _(
                        "This child may already be known. Check the referrals above; "
                        "tick this box to save anyway."
                    ),
                )
            else:
                data = form.cleaned_data
                try:
                    referral = services.referral_create_by_project_leader(
                        user=user,
                        programme=data["programme"],
                        source=data["source"],
                        source_detail=data["source_detail"],
                        school=form.school_or_none,
                        pupil=form.pupil_data(),
                        guardians=guardian_formset.guardians(),
                        support_what=data["support_what"],
                        support_why=data["support_why"],
                        support_tried=data["support_tried"],
                        consent_given_by=data["consent_given_by"],
                        consent_date=data["consent_date"],
                        consent_method=data["consent_method"],
                    )
                except ValidationError as error:
                    add_errors(form, error)
                else:
                    note_record(request, referral, Action.CREATE)
                    messages.success(
                        request,
                        _("The referral of %(name)s has been entered.")
                        % {"name": referral.pupil.full_name},
                    )
                    return to_leader_detail(referral)
    else:
        form = LeaderReferralForm(**choices)
        guardian_formset = GuardianFormSet(prefix="guardians")
    note(request, "pupil", [pupil.pk for pupil in duplicates])
    return render(
        request,
        "referrals/leader/create.html",
        {
            "form": form,
            "guardian_formset": guardian_formset,
            "duplicates": duplicates,
            "open_statuses": Referral.OPEN_STATUSES,
            "cancel_url": reverse("referrals:inbox"),
        },
    )
