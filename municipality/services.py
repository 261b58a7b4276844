"""Writes for municipalities: the CBS reference-data import, funders, funding
agreements with their targets, and the initiative's accountability text.

Who may do what:

- funding agreements and funders are recorded by municipal officials (for
  their own municipality) and administrators;
- the accountability text of an agreement is written by the project leaders
  of the agreement's initiative (and administrators).

Every refusal of input is a ``ValidationError`` keyed by the field it is
about (a target by ``target_<indicator>``), so a form can show it next to
the field; a user without the right gets ``PermissionDenied``.
"""

from __future__ import annotations

import datetime as dt
import pathlib
import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.scope import Scope, scope_for
from core.imports import ImportResult, changed_fields, field_problems, import_source, read_csv
from initiatives.models import Programme

from .models import AccountabilityText, Funder, FundingAgreement, Municipality, Target

_CBS_CODE = re.compile(r"^GM\d{4}$")

# Columns of CBS's "Gemeenten alfabetisch" list; upper-cased as read_csv compares them.
CBS_CODE = "GEMEENTECODEGM"
CBS_NAME = "GEMEENTENAAM"
CBS_PROVINCE = "PROVINCIENAAM"


@transaction.atomic
def import_municipalities(
    *, path: pathlib.Path | None = None, file: File | None = None
) -> ImportResult:
    """Create or update municipalities from a CBS municipality list, keyed on the CBS code.

    The file is a ``path`` or an uploaded ``file`` (one of the two).

    Reads ``GemeentecodeGM`` (e.g. GM0344), ``Gemeentenaam`` and ``Provincienaam``;
    comma- or semicolon-separated. Municipalities missing from the file are left
    alone (a merged municipality may still have schools and agreements).
    Raises ``core.imports.ImportFileError`` for a file that cannot be imported.
    """
    csv_file = read_csv(
        import_source(path=path, file=file),
        required_columns=[CBS_CODE, CBS_NAME, CBS_PROVINCE],
        delimiters=(",", ";"),
    )
    result = ImportResult()
    result.skipped.extend(csv_file.invalid_rows)

    existing = {m.cbs_code: m for m in Municipality.objects.all()}
    seen: dict[str, int] = {}
    to_create: list[Municipality] = []
    to_update: list[Municipality] = []
    now = timezone.now()

    for row in csv_file.rows:
        code = row.get(CBS_CODE).upper()
        values = {"name": row.get(CBS_NAME), "province": row.get(CBS_PROVINCE)}
        if not _CBS_CODE.match(code):
            result.skip(row.line_number, _("invalid CBS code %(code)r") % {"code": code})
            continue
        if not values["name"]:
            result.skip(row.line_number, _("municipality %(code)s has no name") % {"code": code})
            continue
        if problem := field_problems(Municipality, values):
            result.skip(row.line_number, problem)
            continue
        if code in seen:
            result.skip(
                row.line_number,
                _("%(code)s appears again (first on line %(line)d)")
                % {"code": code, "line": seen[code]},
            )
            continue
        seen[code] = row.line_number

        municipality = existing.get(code)
        if municipality is None:
            to_create.append(Municipality(cbs_code=code, **values))
        elif changed := changed_fields(municipality, values):
            for name in changed:
                setattr(municipality, name, values[name])
            municipality.updated_at = now
            to_update.append(municipality)
        else:
            result.unchanged += 1

    Municipality.objects.bulk_create(to_create, batch_size=500)
    Municipality.objects.bulk_update(
        to_update, fields=["name", "province", "updated_at"], batch_size=500
    )
    result.created = len(to_create)
    result.updated = len(to_update)
    result.skipped.sort()
    return result


# --- funding agreements -------------------------------------------------------

PeriodKind = FundingAgreement.PeriodKind
Indicator = Target.Indicator

MAX_YEARS = 2
MAX_AMOUNT = Decimal("9999999999.99")  # max_digits=12, decimal_places=2
MAX_TARGET = 2_147_483_647  # PositiveIntegerField
PERCENT_INDICATORS = frozenset({Indicator.GOALS_ACHIEVED_PCT})
MAX_TEXT_LENGTH = 5000


def _not_an_official() -> PermissionDenied:
    return PermissionDenied(
        _("Only municipal officials of the agreement's municipality may record funding agreements.")
    )


def _may_record_in(scope: Scope, municipality_id: int) -> bool:
    return scope.is_superuser or municipality_id in scope.municipality_ids


def may_record_agreement(user, agreement: FundingAgreement | None = None) -> bool:
    """Whether the user may record agreements at all, or change this one."""
    scope = scope_for(user)
    if agreement is None:
        return scope.is_superuser or bool(scope.municipality_ids)
    return _may_record_in(scope, agreement.municipality_id)


def may_write_accountability(user, agreement: FundingAgreement) -> bool:
    """Whether the user writes the accountability text: the initiative's project leaders."""
    return scope_for(user).leads(agreement.initiative_id)


def period_bounds(period_kind: str, start_year: int, years: int = 1) -> tuple[dt.date, dt.date]:
    """First and last day of ``years`` calendar or school years from ``start_year``.

    A school year runs from 1 August to 31 July; ``start_year`` is the year it
    starts in (2025 for 2025-2026).
    """
    if period_kind == PeriodKind.SCHOOL_YEAR:
        return dt.date(start_year, 8, 1), dt.date(start_year + years, 7, 31)
    if period_kind == PeriodKind.CALENDAR_YEAR:
        return dt.date(start_year, 1, 1), dt.date(start_year + years - 1, 12, 31)
    raise ValueError(f"unknown period kind {period_kind!r}")


def period_years(period_kind: str, start_date: dt.date, end_date: dt.date) -> int:
    """How many calendar or school years a period that fits its kind spans."""
    if period_kind == PeriodKind.SCHOOL_YEAR:
        return end_date.year - start_date.year
    return end_date.year - start_date.year + 1


def _period_errors(period_kind, start_date, end_date) -> dict[str, str]:
    if period_kind not in PeriodKind.values:
        return {"period_kind": _("Choose a calendar year or a school year.")}
    errors = {}
    if start_date is None:
        errors["start_date"] = _("Enter the start date.")
    if end_date is None:
        errors["end_date"] = _("Enter the end date.")
    if errors:
        return errors
    if period_kind == PeriodKind.SCHOOL_YEAR:
        if (start_date.month, start_date.day) != (8, 1):
            errors["start_date"] = _("A school-year agreement starts on 1 August.")
        if (end_date.month, end_date.day) != (7, 31):
            errors["end_date"] = _("A school-year agreement ends on 31 July.")
    else:
        if (start_date.month, start_date.day) != (1, 1):
            errors["start_date"] = _("A calendar-year agreement starts on 1 January.")
        if (end_date.month, end_date.day) != (12, 31):
            errors["end_date"] = _("A calendar-year agreement ends on 31 December.")
    if errors:
        return errors
    years = period_years(period_kind, start_date, end_date)
    if years < 1:
        errors["end_date"] = _("The end date must come after the start date.")
    elif years > MAX_YEARS:
        errors["end_date"] = _(
            "An agreement runs one or two years. Record a longer one as separate agreements."
        )
    return errors


def _clean_amount(amount) -> tuple[Decimal | None, str | None]:
    if amount is None or amount == "":
        return None, _("Enter the amount.")
    try:
        value = Decimal(str(amount))
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        return None, _("Enter the amount in euros, for example 25000.00.")
    if value < 0:
        return None, _("The amount cannot be negative.")
    if value != value.quantize(Decimal("0.01")):
        return None, _("Enter the amount in euros and whole cents.")
    if value > MAX_AMOUNT:
        return None, _("Enter an amount below ten billion euros.")
    return value.quantize(Decimal("0.01")), None


def _clean_targets(targets: dict | None) -> tuple[dict[str, int], dict[str, str]]:
    """The targets to keep (indicator -> value) and the errors, keyed ``target_<indicator>``."""
    clean: dict[str, int] = {}
    errors: dict[str, str] = {}
    for key, value in (targets or {}).items():
        if key not in Indicator.values:
            errors["targets"] = _("“%(indicator)s” is not an indicator that takes a target.") % {
                "indicator": key
            }
            continue
        if value is None:  # no target for this indicator
            continue
        field = f"target_{key}"
        if isinstance(value, bool) or not isinstance(value, int):
            errors[field] = _("Enter a whole number.")
        elif value < 0:
            errors[field] = _("A target cannot be negative.")
        elif key in PERCENT_INDICATORS and value > 100:
            errors[field] = _("A percentage cannot be more than 100.")
        elif value > MAX_TARGET:
            errors[field] = _("This number is too large.")
        else:
            clean[key] = value
    return clean, errors


def _names(objects) -> str:
    return ", ".join(str(o) for o in objects)


def _programme_errors(programmes, *, initiative, municipality) -> str | None:
    if not programmes:
        return _("Choose at least one programme the agreement pays for.")
    foreign = [p for p in programmes if p.initiative_id != initiative.pk]
    if foreign:
        return ngettext(
            "%(programmes)s is not a programme of %(initiative)s.",
            "%(programmes)s are not programmes of %(initiative)s.",
            len(foreign),
        ) % {"programmes": _names(foreign), "initiative": initiative}
    if municipality is None:
        return None
    serving = set(
        Programme.municipalities.through.objects.filter(
            programme_id__in=[p.pk for p in programmes], municipality_id=municipality.pk
        ).values_list("programme_id", flat=True)
    )
    elsewhere = [p for p in programmes if p.pk not in serving]
    if elsewhere:
        return ngettext(
            "%(programmes)s does not serve %(municipality)s.",
            "%(programmes)s do not serve %(municipality)s.",
            len(elsewhere),
        ) % {"programmes": _names(elsewhere), "municipality": municipality}
    return None


def _date(day: dt.date) -> str:
    return formats.date_format(day, "DATE_FORMAT")


def _resolve_municipality(scope: Scope, municipality, agreement) -> Municipality | None:
    """The agreement's municipality; None when the user has to choose one.

    Raises PermissionDenied when the user is no official of it.
    """
    if municipality is None:
        if agreement is not None:
            return agreement.municipality
        if not scope.is_superuser and len(scope.municipality_ids) == 1:
            return Municipality.objects.get(pk=next(iter(scope.municipality_ids)))
        return None
    if not _may_record_in(scope, municipality.pk):
        raise _not_an_official()
    return municipality


@transaction.atomic
def funding_agreement_save(
    *,
    user,
    agreement: FundingAgreement | None = None,
    municipality: Municipality | None = None,
    funder: Funder | None,
    initiative,
    programmes,
    amount,
    period_kind: str,
    start_date: dt.date | None,
    end_date: dt.date | None,
    reference: str = "",
    targets: dict[str, int],
) -> FundingAgreement:
    """Record a new funding agreement (``agreement=None``) or change one, with its targets.

    ``municipality`` defaults to the agreement's, or to the official's own when
    they are an official of one municipality; an administrator or an official
    of several chooses. ``targets`` maps ``Target.Indicator`` values to whole
    numbers (None: no target) and replaces the agreement's targets. Nothing is
    saved unless everything is valid.
    """
    scope = scope_for(user)
    if not (scope.is_superuser or scope.municipality_ids):
        raise _not_an_official()
    if agreement is not None:
        agreement = (
            FundingAgreement.objects.select_for_update()
            .select_related("municipality")
            .filter(pk=agreement.pk)
            .first()
        )
        if agreement is None:
            raise ValidationError(_("This funding agreement no longer exists."), code="gone")
        if not _may_record_in(scope, agreement.municipality_id):
            raise _not_an_official()
    municipality = _resolve_municipality(scope, municipality, agreement)

    errors: dict[str, str] = {}
    if municipality is None:
        errors["municipality"] = _("Choose the municipality.")
    if funder is None:
        errors["funder"] = _("Choose the funder.")
    elif (
        municipality is not None
        and funder.kind == Funder.Kind.MUNICIPALITY
        and funder.municipality_id != municipality.pk
    ):
        errors["funder"] = _(
            "%(funder)s is another municipality. Choose %(municipality)s or another kind of funder."
        ) % {"funder": funder, "municipality": municipality}
    programmes = list(programmes or [])
    if initiative is None:
        errors["initiative"] = _("Choose the initiative.")
    else:
        if (
            municipality is not None
            and not initiative.municipalities.filter(pk=municipality.pk).exists()
        ):
            errors["initiative"] = _("%(initiative)s does not work in %(municipality)s.") % {
                "initiative": initiative,
                "municipality": municipality,
            }
        if problem := _programme_errors(
            programmes, initiative=initiative, municipality=municipality
        ):
            errors["programmes"] = problem
    amount, problem = _clean_amount(amount)
    if problem:
        errors["amount"] = problem
    period_problems = _period_errors(period_kind, start_date, end_date)
    errors.update(period_problems)
    reference = " ".join((reference or "").split())
    if len(reference) > 100:
        errors["reference"] = _("Keep the reference under 100 characters.")
    clean_targets, target_problems = _clean_targets(targets)
    errors.update(target_problems)

    if agreement is not None:
        written = list(agreement.accountability_texts.values_list("period_start", "period_end"))
        if written and initiative is not None and initiative.pk != agreement.initiative_id:
            errors["initiative"] = _(
                "%(initiative)s has written its accountability for this agreement, so the "
                "agreement stays with it."
            ) % {"initiative": agreement.initiative}
        if written and not period_problems:
            outside = [(s, e) for s, e in written if s < start_date or e > end_date]
            if outside:
                errors["start_date"] = _(
                    "The initiative has written its accountability for %(start)s - %(end)s, "
                    "which falls outside this period."
                ) % {"start": _date(outside[0][0]), "end": _date(outside[0][1])}
    if errors:
        raise ValidationError(errors)

    if agreement is None:
        agreement = FundingAgreement()
    agreement.municipality = municipality
    agreement.funder = funder
    agreement.initiative = initiative
    agreement.amount = amount
    agreement.period_kind = period_kind
    agreement.start_date = start_date
    agreement.end_date = end_date
    agreement.reference = reference
    agreement.save()
    agreement.programmes.set(programmes)
    _replace_targets(agreement, clean_targets)
    return agreement


def _replace_targets(agreement: FundingAgreement, targets: dict[str, int]) -> None:
    existing = {t.indicator: t for t in agreement.targets.all()}
    gone = [t.pk for key, t in existing.items() if key not in targets]
    if gone:
        Target.objects.filter(pk__in=gone).delete()
    to_create, to_update = [], []
    for key, value in targets.items():
        target = existing.get(key)
        if target is None:
            to_create.append(Target(agreement=agreement, indicator=key, value=value))
        elif target.value != value:
            target.value = value
            to_update.append(target)
    Target.objects.bulk_create(to_create)
    Target.objects.bulk_update(to_update, fields=["value"])


# --- funders ------------------------------------------------------------------


@transaction.atomic
def funder_create(
    *, user, name: str, kind: str, municipality: Municipality | None = None
) -> Funder:
    """A new funder: a municipality, a national programme, a foundation, schools, parents...

    A municipal funder belongs to a municipality: the official's own when they
    are an official of one; other kinds belong to none.
    """
    scope = scope_for(user)
    if not (scope.is_superuser or scope.municipality_ids):
        raise PermissionDenied(_("Only municipal officials may add funders."))
    errors: dict[str, str] = {}
    name = " ".join((name or "").split())
    max_length = Funder._meta.get_field("name").max_length
    if not name:
        errors["name"] = _("Enter the funder's name.")
    elif len(name) > max_length:
        errors["name"] = _("Keep the name under %(max)s characters.") % {"max": max_length}
    elif other := Funder.objects.filter(name__iexact=name).first():
        errors["name"] = _("There already is a funder called “%(name)s”.") % {"name": other.name}
    if kind not in Funder.Kind.values:
        errors["kind"] = _("Choose what kind of funder this is.")
    elif kind == Funder.Kind.MUNICIPALITY:
        if municipality is None and not scope.is_superuser and len(scope.municipality_ids) == 1:
            municipality = Municipality.objects.get(pk=next(iter(scope.municipality_ids)))
        if municipality is None:
            errors["municipality"] = _("Choose the municipality.")
        elif not _may_record_in(scope, municipality.pk):
            errors["municipality"] = _("You can add your own municipality only.")
    elif municipality is not None:
        errors["municipality"] = _(
            "Only a municipal funder belongs to a municipality. Leave the municipality empty."
        )
    if errors:
        raise ValidationError(errors)
    return Funder.objects.create(
        name=name,
        kind=kind,
        municipality=municipality if kind == Funder.Kind.MUNICIPALITY else None,
    )


# --- the initiative's accountability text -------------------------------------


@transaction.atomic
def accountability_text_save(
    *,
    user,
    agreement: FundingAgreement,
    period_start: dt.date | None,
    period_end: dt.date | None,
    went_well: str,
    went_less_well: str,
    story: str,
) -> AccountabilityText:
    """Write or rewrite the initiative's text for one agreement and period.

    The period lies within the agreement's; one text per agreement and period.
    """
    if not may_write_accountability(user, agreement):
        raise PermissionDenied(
            _("Only the initiative's project leaders write its accountability text.")
        )
    errors: dict[str, str] = {}
    if period_start is None:
        errors["period_start"] = _("Enter the first day of the period.")
    if period_end is None:
        errors["period_end"] = _("Enter the last day of the period.")
    if not errors:
        if period_end < period_start:
            errors["period_end"] = _("The period cannot end before it starts.")
        elif period_start < agreement.start_date or period_end > agreement.end_date:
            errors["period_start"] = _(
                "Choose a period within the agreement: %(start)s - %(end)s."
            ) % {"start": _date(agreement.start_date), "end": _date(agreement.end_date)}
    texts = {
        "went_well": (went_well or "").strip(),
        "went_less_well": (went_less_well or "").strip(),
        "story": (story or "").strip(),
    }
    for field, value in texts.items():
        if len(value) > MAX_TEXT_LENGTH:
            errors[field] = _("Keep this under %(max)s characters.") % {"max": MAX_TEXT_LENGTH}
    if not any(texts.values()):
        errors["went_well"] = _("Write at least one of the three parts.")
    if errors:
        raise ValidationError(errors)

    text, created = AccountabilityText.objects.select_for_update().get_or_create(
        agreement=agreement,
        period_start=period_start,
        period_end=period_end,
        defaults={**texts, "written_by": user},
    )
    if not created:
        for field, value in texts.items():
            setattr(text, field, value)
        text.written_by = user
        text.save(update_fields=[*texts, "written_by", "updated_at"])
    return text
