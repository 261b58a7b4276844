"""The privacy officer's pages: search the processing log, see who viewed a record.

Opening these pages is itself processing: the people they name are noted in
the log (``purpose``: supervision), like any other page.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from . import selectors
from .forms import LogSearchForm, PersonLookupForm
from .models import ProcessingLogEntry
from .services import note

PAGE_SIZE = 50
RecordType = ProcessingLogEntry.RecordType


def _require_supervisor(user) -> None:
    if not selectors.may_supervise(user):
        raise PermissionDenied


def _page(request, entries):
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    users = selectors.actors(entry.actor_id for entry in page.object_list)
    rows = [(entry, users.get(entry.actor_id)) for entry in page.object_list]
    return page, rows


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def log_search(request):
    """Search by person, user, period, action and result; find a person's number by name."""
    _require_supervisor(request.user)
    form = LogSearchForm(request.GET or None, actors=selectors.actor_choices(user=request.user))
    lookup = PersonLookupForm(request.POST or None)
    people = None
    if request.method == "POST" and lookup.is_valid():
        pupils, volunteers = selectors.people_matching(
            user=request.user, name=lookup.cleaned_data["name"]
        )
        note(request, RecordType.PUPIL, [p.pk for p in pupils])
        note(request, RecordType.VOLUNTEER, [v.pk for v in volunteers])
        people = {"pupils": pupils, "volunteers": volunteers}

    page = rows = None
    if not form.is_bound or form.is_valid():
        data = form.cleaned_data if form.is_bound else {}
        record_id = data.get("record_id")
        entries = selectors.log_entries(
            user=request.user,
            record_type=data.get("record_type") or None,
            record_ids=[record_id] if record_id else None,
            actor_id=data.get("actor"),
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            action=data.get("action") or None,
            result=data.get("result") or None,
        )
        page, rows = _page(request, entries)
    return render(
        request,
        "audit/log.html",
        {"form": form, "lookup": lookup, "people": people, "page": page, "rows": rows},
    )


def _person_log(request, person, kind: str):
    entries = selectors.person_entries(user=request.user, person=person)
    page, rows = _page(request, entries)
    return render(
        request,
        "audit/person_log.html",
        {
            "person": person,
            "kind": kind,
            "viewers": selectors.viewers(entries),
            "page": page,
            "rows": rows,
        },
    )


@login_required
def pupil_log(request, pk: int):
    """Who viewed or changed this pupil's record (and their guardians'), and when."""
    _require_supervisor(request.user)
    pupil = selectors.supervised_pupil(user=request.user, pk=pk)
    if pupil is None:
        raise Http404
    return _person_log(request, pupil, RecordType.PUPIL)


@login_required
def volunteer_log(request, pk: int):
    """Who viewed or changed this volunteer's record, and when."""
    _require_supervisor(request.user)
    volunteer = selectors.supervised_volunteer(user=request.user, pk=pk)
    if volunteer is None:
        raise Http404
    return _person_log(request, volunteer, RecordType.VOLUNTEER)
