from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from audit.admin import ProcessingLogAdminMixin
from referrals.models import ImpactQuestion

from .models import (
    VOG,
    Availability,
    DropInSession,
    Initiative,
    Programme,
    ProgrammePlaces,
    Training,
    TrainingCompletion,
    Volunteer,
    VolunteerStatusChange,
)
from .services.adult import (
    DOSAGE_TEMPLATE_CHOICES,
    DOSAGE_TEMPLATES,
    adult_programme_add_default_questions,
)


class ProgrammeInline(admin.TabularInline):
    model = Programme
    extra = 0
    fields = ("name", "support_type", "format", "is_active")
    show_change_link = True


class TrainingInline(admin.TabularInline):
    model = Training
    extra = 0
    fields = ("name", "description")


@admin.register(Initiative)
class InitiativeAdmin(admin.ModelAdmin):
    list_display = ("name", "email", "phone", "vog_max_age_years", "volunteers_log_sessions")
    search_fields = ("name", "email")
    list_filter = ("municipalities",)
    filter_horizontal = ("municipalities",)
    inlines = (ProgrammeInline, TrainingInline)


class ProgrammePlacesInline(admin.TabularInline):
    model = ProgrammePlaces
    extra = 0
    raw_id_fields = ("school",)


class ImpactQuestionInline(admin.TabularInline):
    model = ImpactQuestion
    extra = 1
    fields = ("order", "text", "is_active")


class ProgrammeAdminForm(forms.ModelForm):
    """The programme form, with an optional planned-dosage template for adult coaching."""

    dosage_template = forms.ChoiceField(
        label=_("planned dosage template"),
        choices=[("", "---------"), *DOSAGE_TEMPLATE_CHOICES],
        required=False,
        help_text=_(
            "Fills the planned meetings, session length and usual duration; "
            "overwrites what is entered there."
        ),
    )

    class Meta:
        model = Programme
        fields = "__all__"  # noqa: DJ007 - the admin edits every field

    def clean(self):
        data = super().clean()
        key = data.get("dosage_template")
        if key:
            template = DOSAGE_TEMPLATES[key]
            data["planned_meetings"] = template.planned_meetings
            data["session_minutes"] = template.session_minutes
            data["usual_duration_weeks"] = template.usual_duration_weeks
        return data


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    form = ProgrammeAdminForm
    list_display = ("name", "initiative", "support_type", "format", "online", "is_active")
    list_filter = ("is_active", "support_type", "format", "initiative")
    search_fields = ("name", "initiative__name")
    list_select_related = ("initiative",)
    autocomplete_fields = ("initiative", "schools")
    filter_horizontal = ("municipalities", "required_trainings")
    inlines = (ProgrammePlacesInline, ImpactQuestionInline)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if not change:
            # a new adult programme asks the default adult impact questions
            adult_programme_add_default_questions(programme=form.instance)


@admin.register(DropInSession)
class DropInSessionAdmin(admin.ModelAdmin):
    list_display = ("programme", "date", "headcount", "first_visits", "volunteers_present")
    list_filter = ("programme__initiative",)
    list_select_related = ("programme",)
    date_hierarchy = "date"


@admin.register(ProgrammePlaces)
class ProgrammePlacesAdmin(admin.ModelAdmin):
    list_display = ("programme", "school", "school_year", "places")
    list_filter = ("school_year", "programme__initiative")
    search_fields = ("programme__name", "school__name", "school__location_code")
    list_select_related = ("programme", "school")
    raw_id_fields = ("school",)
    autocomplete_fields = ("programme",)


@admin.register(Training)
class TrainingAdmin(admin.ModelAdmin):
    list_display = ("name", "initiative")
    list_filter = ("initiative",)
    search_fields = ("name", "initiative__name")
    list_select_related = ("initiative",)


class AvailabilityInline(admin.TabularInline):
    model = Availability
    extra = 0


class VOGInline(admin.TabularInline):
    model = VOG
    extra = 0
    raw_id_fields = ("checked_by",)


class TrainingCompletionInline(admin.TabularInline):
    model = TrainingCompletion
    extra = 0
    autocomplete_fields = ("training",)


class VolunteerStatusChangeInline(admin.TabularInline):
    """The history is written by the services; the admin only shows it."""

    model = VolunteerStatusChange
    extra = 0
    fields = ("date", "from_status", "to_status", "reason", "changed_by", "created_at")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("changed_by")


@admin.register(Volunteer)
class VolunteerAdmin(ProcessingLogAdminMixin, admin.ModelAdmin):
    list_display = ("__str__", "initiative", "status", "email", "start_date", "end_date")
    list_filter = ("status", "initiative", "online_possible", "education_level")
    search_fields = ("first_name", "last_name", "email", "user__email")
    list_select_related = ("initiative",)
    autocomplete_fields = ("initiative", "user", "neighbourhoods")
    date_hierarchy = "start_date"
    inlines = (
        AvailabilityInline,
        VOGInline,
        TrainingCompletionInline,
        VolunteerStatusChangeInline,
    )


@admin.register(VolunteerStatusChange)
class VolunteerStatusChangeAdmin(admin.ModelAdmin):
    list_display = ("volunteer", "date", "from_status", "to_status", "changed_by")
    list_filter = ("to_status",)
    search_fields = ("volunteer__first_name", "volunteer__last_name", "reason")
    list_select_related = ("volunteer", "changed_by")
    date_hierarchy = "date"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(VOG)
class VOGAdmin(admin.ModelAdmin):
    list_display = ("volunteer", "volunteer_initiative", "issued_on", "checked_on", "checked_by")
    list_filter = ("volunteer__initiative",)
    search_fields = ("volunteer__first_name", "volunteer__last_name")
    list_select_related = ("volunteer__initiative", "checked_by")
    autocomplete_fields = ("volunteer",)
    raw_id_fields = ("checked_by",)
    date_hierarchy = "issued_on"

    @admin.display(description=_("initiative"), ordering="volunteer__initiative__name")
    def volunteer_initiative(self, obj):
        return obj.volunteer.initiative


@admin.register(Availability)
class AvailabilityAdmin(admin.ModelAdmin):
    list_display = ("volunteer", "weekday", "start_time", "end_time")
    list_filter = ("weekday", "volunteer__initiative")
    search_fields = ("volunteer__first_name", "volunteer__last_name")
    list_select_related = ("volunteer",)
    autocomplete_fields = ("volunteer",)


@admin.register(TrainingCompletion)
class TrainingCompletionAdmin(admin.ModelAdmin):
    list_display = ("volunteer", "training", "completed_on")
    list_filter = ("training__initiative",)
    search_fields = ("volunteer__first_name", "volunteer__last_name", "training__name")
    list_select_related = ("volunteer", "training")
    autocomplete_fields = ("volunteer", "training")
