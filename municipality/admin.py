from django.contrib import admin

from .models import (
    AccountabilityText,
    Funder,
    FundingAgreement,
    Municipality,
    Neighbourhood,
    Target,
)


class NeighbourhoodInline(admin.TabularInline):
    model = Neighbourhood
    extra = 0
    fields = ("name", "code", "parent", "postcodes")
    raw_id_fields = ("parent",)


@admin.register(Municipality)
class MunicipalityAdmin(admin.ModelAdmin):
    list_display = ("name", "cbs_code", "province")
    search_fields = ("name", "cbs_code")
    list_filter = ("province",)
    inlines = (NeighbourhoodInline,)


@admin.register(Neighbourhood)
class NeighbourhoodAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "municipality", "parent")
    list_filter = ("municipality",)
    search_fields = ("name", "code", "municipality__name")
    list_select_related = ("municipality", "parent")
    autocomplete_fields = ("municipality", "parent")


@admin.register(Funder)
class FunderAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "municipality")
    list_filter = ("kind",)
    search_fields = ("name",)
    list_select_related = ("municipality",)
    autocomplete_fields = ("municipality",)


class TargetInline(admin.TabularInline):
    model = Target
    extra = 0


@admin.register(FundingAgreement)
class FundingAgreementAdmin(admin.ModelAdmin):
    list_display = (
        "__str__",
        "reference",
        "municipality",
        "amount",
        "period_kind",
        "start_date",
        "end_date",
    )
    list_filter = ("period_kind", "municipality", "funder__kind")
    search_fields = ("reference", "funder__name", "initiative__name", "municipality__name")
    list_select_related = ("funder", "initiative", "municipality")
    autocomplete_fields = ("funder", "municipality", "initiative", "programmes")
    date_hierarchy = "start_date"
    inlines = (TargetInline,)


@admin.register(Target)
class TargetAdmin(admin.ModelAdmin):
    list_display = ("agreement", "indicator", "value")
    list_filter = ("indicator",)
    search_fields = ("agreement__reference", "agreement__funder__name")
    list_select_related = ("agreement__funder", "agreement__initiative")
    autocomplete_fields = ("agreement",)


@admin.register(AccountabilityText)
class AccountabilityTextAdmin(admin.ModelAdmin):
    list_display = ("agreement", "period_start", "period_end", "written_by", "updated_at")
    list_select_related = ("agreement__funder", "agreement__initiative", "written_by")
    raw_id_fields = ("agreement", "written_by")
    date_hierarchy = "period_start"
