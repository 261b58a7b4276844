"""Accountability report pages: the list and request form, one report, download, exports.

Access: signed in (else to the login page), a municipal official or project
leader (else 403), and a report of one's own municipality or, for an
agreement report, of one's own initiative (else 404). Reads come from
``reports.selectors``, writes go through ``reports.services``.
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.submissions import once_per_submission

from . import exports, selectors, services
from .forms import AgreementReportForm, OverviewReportForm
from .models import Report

KIND_AGREEMENT = "agreement"
KIND_OVERVIEW = "overview"


def reports_user_required(view):
    """Signed in and a municipal official or project leader (or administrator)."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not selectors.may_use_reports(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def _forms(request, *, data=None, kind=None):
    today = timezone.localdate()
    agreement_form = AgreementReportForm(
        data if kind == KIND_AGREEMENT else None, user=request.user
    )
    overview_form = OverviewReportForm(
        data if kind == KIND_OVERVIEW else None, user=request.user, today=today
    )
    return agreement_form, overview_form


REPORT_GROUPS_PER_PAGE = 25


def _list_page(request, *, agreement_form, overview_form, status=200):
    page, groups = selectors.report_group_page(
        user=request.user, number=request.GET.get("page"), per_page=REPORT_GROUPS_PER_PAGE
    )
    return render(
        request,
        "reports/report_list.html",
        {
            "groups": groups,
            "page": page,
            "agreement_form": agreement_form,
            "overview_form": overview_form,
        },
        status=status,
    )


@reports_user_required
def report_list(request):
    """The reports the user may see, versions together, and the forms to ask for one."""
    agreement_form, overview_form = _forms(request)
    return _list_page(request, agreement_form=agreement_form, overview_form=overview_form)


def _add_errors(form, error: ValidationError, field: str) -> None:
    if hasattr(error, "error_dict"):
        for messages_ in error.error_dict.values():
            for message in messages_:
                form.add_error(field, message)
    else:
        form.add_error(field, error)


@require_POST
@reports_user_required
@once_per_submission
def report_request(request):
    """Queue a new report (or a new version of one) and go to its page."""
    kind = request.POST.get("kind")
    if kind not in (KIND_AGREEMENT, KIND_OVERVIEW):
        raise Http404
    agreement_form, overview_form = _forms(request, data=request.POST, kind=kind)
    form = agreement_form if kind == KIND_AGREEMENT else overview_form
    field = "agreement_period" if kind == KIND_AGREEMENT else "municipality_period"
    if form.is_valid():
        try:
            report = services.report_request(
                user=request.user,
                agreement=form.cleaned_data.get("agreement"),
                municipality=form.cleaned_data.get("municipality"),
                period=form.cleaned_data["period"],
            )
        except ValidationError as error:
            _add_errors(form, error, field)
        else:
            messages.success(
                request, _("The report has been requested. It is being made in the background.")
            )
            return redirect("reports:report_detail", pk=report.pk)
    return _list_page(
        request, agreement_form=agreement_form, overview_form=overview_form, status=400
    )


def _new_version_form(report: Report) -> dict:
    """The hidden fields that ask for the same report again (a new version)."""
    start, end = report.period_start.isoformat(), report.period_end.isoformat()
    if report.kind == Report.Kind.AGREEMENT:
        return {
            "kind": KIND_AGREEMENT,
            "name": "agreement_period",
            "value": f"{report.funding_agreement_id}|{start}|{end}",
        }
    return {
        "kind": KIND_OVERVIEW,
        "name": "municipality_period",
        "value": f"{report.municipality_id}|{start}|{end}",
    }


@reports_user_required
def report_detail(request, pk: int):
    """Status and progress (polled while the job runs), then download and exports."""
    report = selectors.report_detail(user=request.user, pk=pk)
    context = {
        "report": report,
        "subject": selectors.report_subject(report),
        "may_manage": services.may_manage_report(request.user, report),
    }
    if request.htmx:
        response = render(request, "reports/_report_status.html", context)
        if report.status == Report.Status.DONE:
            # Ready: load the whole page, with the figures and the exports.
            response["HX-Refresh"] = "true"
        return response
    versions = list(
        selectors.reports_visible_to(request.user)
        .filter(
            kind=report.kind,
            municipality_id=report.municipality_id,
            funding_agreement_id=report.funding_agreement_id,
            period_start=report.period_start,
            period_end=report.period_end,
        )
        .order_by("-version")
    )
    done = report.status == Report.Status.DONE
    context.update(
        {
            "versions": versions,
            "tables": exports.snapshot_tables(report.figures) if done else [],
            "figures": report.figures.get("figures", []) if done else [],
            "legend": report.figures.get("legend", []) if done else [],
            "new_version": _new_version_form(report),
        }
    )
    return render(request, "reports/report_detail.html", context)


def _done_report(request, pk: int) -> Report:
    report = selectors.report_detail(user=request.user, pk=pk)
    if report.status != Report.Status.DONE:
        raise Http404
    return report


@reports_user_required
def report_download(request, pk: int):
    """The PDF, as an attachment; only to those who may see the report."""
    report = _done_report(request, pk)
    if not report.file:
        raise Http404
    try:
        handle = report.file.open("rb")
    except FileNotFoundError as error:
        raise Http404 from error
    filename = report.file.name.rsplit("/", 1)[-1]
    return FileResponse(
        handle, as_attachment=True, filename=filename, content_type="application/pdf"
    )


@require_POST
@reports_user_required
def report_retry(request, pk: int):
    report = selectors.report_detail(user=request.user, pk=pk)
    try:
        services.report_retry(user=request.user, report=report)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The report is being made again."))
    return redirect("reports:report_detail", pk=report.pk)


@reports_user_required
def report_export(request, pk: int, table: str, fmt: str):
    """One table of the report (or, as XLSX, all of them), with the PDF's published values."""
    report = _done_report(request, pk)
    if fmt not in ("csv", "xlsx"):
        raise Http404
    try:
        if fmt == "csv":
            content = exports.table_csv(report.figures, table)
            content_type = "text/csv; charset=utf-8"
        else:
            content = exports.tables_xlsx(report.figures, table)
            content_type = exports.XLSX_CONTENT_TYPE
    except KeyError as error:
        raise Http404 from error
    response = HttpResponse(content, content_type=content_type)
    filename = exports.export_file_name(report, table, fmt)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
