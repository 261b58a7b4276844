from django.contrib import admin

from .models import SchoolBoard, SchoolLocation, SchoolYearFigure


@admin.register(SchoolBoard)
class SchoolBoardAdmin(admin.ModelAdmin):
    list_display = ("number", "name")
    search_fields = ("number", "name")


class SchoolYearFigureInline(admin.TabularInline):
    model = SchoolYearFigure
    extra = 0


@admin.register(SchoolLocation)
class SchoolLocationAdmin(admin.ModelAdmin):
    list_display = ("name", "location_code", "sector", "city", "municipality", "board")
    # No filter on board: there are hundreds; search covers it.
    list_filter = ("sector", "municipality")
    search_fields = ("name", "location_code", "brin", "city", "postcode", "board__name")
    list_select_related = ("municipality", "board")
    autocomplete_fields = ("board", "municipality", "neighbourhood")
    inlines = (SchoolYearFigureInline,)


@admin.register(SchoolYearFigure)
class SchoolYearFigureAdmin(admin.ModelAdmin):
    list_display = ("school", "school_year", "pupil_count", "pupil_count_below_five", "weighting")
    list_filter = ("school_year",)
    search_fields = ("school__name", "school__location_code")
    list_select_related = ("school",)
    raw_id_fields = ("school",)
