from django.contrib import admin

from .models import Report


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = (
        "pk",
        "municipality",
        "funding_agreement",
        "period_start",
        "period_end",
        "status",
        "requested_by",
        "requested_at",
        "finished_at",
    )
    list_filter = ("status", "municipality")
    search_fields = ("municipality__name", "funding_agreement__reference")
    list_select_related = (
        "municipality",
        "funding_agreement__funder",
        "funding_agreement__initiative",
        "requested_by",
    )
    raw_id_fields = ("funding_agreement", "requested_by")
    # Figures are frozen at generation; the report services write them.
    readonly_fields = ("status", "figures", "file", "error", "requested_at", "finished_at")
    date_hierarchy = "requested_at"
