"""The dashboards: the municipality's (suppressed) and the initiative's own (exact).

Access:

- ``dashboard``: municipal officials see their own municipality (an
  administrator may pick any). A ``?municipality=`` the user may not see is a
  404. A project leader without an official's role is sent on to their
  initiative's dashboard, so one menu item serves both; anyone else gets 403.
- ``initiative_dashboard``: the initiative's project leaders (and
  administrators). A project leader of another initiative gets 404, anyone
  else 403.

Filters come from a GET form; a value that does not validate falls back to
its default with a message, never an error page.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _

from accounts.scope import scope_for
from initiatives.models import Initiative
from municipality.models import Municipality

from . import selectors
from .forms import filter_form
from .pages import municipal_page
from .selectors import DashboardFilters


def _reset_message(request, reset: list[str]) -> None:
    if reset:
        messages.warning(
            request,
            _("Some filter values could not be used; the default is shown instead."),
        )


def _chosen_municipality(request, municipalities) -> Municipality | None:
    """The municipality asked for (404 if not one of ``municipalities``), else the first."""
    raw = request.GET.get("municipality")
    if raw in (None, ""):
        return municipalities.order_by("name").first()
    try:
        pk = int(raw)
    except ValueError:
        raise Http404 from None
    municipality = municipalities.filter(pk=pk).first()
    if municipality is None:
        raise Http404
    return municipality


def _led_initiatives(scope):
    if not scope.led_initiative_ids:
        return Initiative.objects.none()
    return Initiative.objects.filter(pk__in=scope.led_initiative_ids).order_by("name")


@login_required
def dashboard(request):
    """The municipal dashboard: reach, results against targets, waitlist, volunteers, gaps."""
    user = request.user
    scope = scope_for(user)
    if not (scope.is_superuser or scope.municipality_ids):
        first_led = _led_initiatives(scope).first()
        if first_led is not None:
            return redirect("municipality:initiative_dashboard", pk=first_led.pk)
        raise PermissionDenied

    municipalities = selectors.municipalities_for(scope)
    municipality = _chosen_municipality(request, municipalities)
    if municipality is None:
        return render(request, "municipality/dashboard.html", {"page": None})

    several = scope.is_superuser or len(scope.municipality_ids) > 1
    data = request.GET.copy()
    data["municipality"] = str(municipality.pk)
    form, reset = filter_form(
        data,
        municipalities=municipalities.order_by("name") if several else None,
        initiatives=selectors.initiatives_in(municipality),
        programmes=selectors.programmes_in(municipality),
        neighbourhoods=selectors.neighbourhoods_of([municipality.pk]),
    )
    _reset_message(request, reset)
    cleaned = form.cleaned_data
    filters = DashboardFilters(
        period=cleaned["period"],
        municipality=municipality,
        initiative=cleaned.get("initiative"),
        programme=cleaned.get("programme"),
        neighbourhood=cleaned.get("neighbourhood"),
    )
    page = municipal_page(request, user=user, filters=filters)
    if page.withheld:
        messages.warning(
            request,
            _(
                "This selection differs from a broader one by fewer than five persons, "
                "so together they would reveal small numbers. The figures of the whole "
                "municipality are shown instead; choose a broader selection."
            ),
        )
    return render(
        request,
        "municipality/dashboard.html",
        {
            "page": page,
            "form": form,
            "municipality": municipality,
            "led_initiatives": list(_led_initiatives(scope)),
        },
    )


@login_required
def initiative_dashboard(request, pk: int):
    """The same indicators for one initiative, with exact numbers, for its project leaders."""
    user = request.user
    scope = scope_for(user)
    if not (scope.is_superuser or scope.led_initiative_ids):
        raise PermissionDenied
    initiatives = Initiative.objects.all() if scope.is_superuser else _led_initiatives(scope)
    initiative = get_object_or_404(initiatives, pk=pk)

    municipalities = selectors.municipalities_of(initiative)
    form, reset = filter_form(
        request.GET,
        municipalities=municipalities,
        municipality_optional=True,
        initiatives=None,
        programmes=initiative.programmes.all(),
        neighbourhoods=selectors.neighbourhoods_of(municipalities.order_by().values("pk")),
    )
    _reset_message(request, reset)
    cleaned = form.cleaned_data
    filters = DashboardFilters(
        period=cleaned["period"],
        municipality=cleaned.get("municipality"),
        initiative=initiative,
        programme=cleaned.get("programme"),
        neighbourhood=cleaned.get("neighbourhood"),
    )
    return render(
        request,
        "municipality/dashboard_initiative.html",
        {
            "dashboard": selectors.initiative_dashboard(
                user=user, initiative=initiative, filters=filters
            ),
            "form": form,
            "initiative": initiative,
            "other_initiatives": [i for i in _led_initiatives(scope) if i.pk != initiative.pk],
        },
    )


urlpatterns = [
    path("dashboard/", dashboard, name="dashboard"),
    path("initiatief/<int:pk>/dashboard/", initiative_dashboard, name="initiative_dashboard"),
]
