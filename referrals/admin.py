"""Admin for pupils and everything that follows a referral.

These records are children's personal data; the admin is for administrators
only, and its reads and changes of pupils, guardians, referrals, matches,
contact moments, evaluations and impact measurements go into the processing
log (``ProcessingLogAdminMixin``). Status and priority history is written by
the services and shown here read-only, so the audit trail cannot be edited
by hand.
"""

from django.contrib import admin

from audit.admin import ProcessingLogAdminMixin

from .models import (
    ActionPlan,
    AttentionSignal,
    CoachCheckIn,
    ContactMoment,
    DropOutSignal,
    Evaluation,
    Goal,
    GoalEvaluation,
    Guardian,
    ImpactMeasurement,
    ImpactQuestion,
    ImpactScore,
    LearnerProfile,
    Match,
    MatchParticipant,
    PriorityChange,
    Pupil,
    PupilAvailability,
    Referral,
    ReferralStatusChange,
    TripartiteMeeting,
)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class GuardianInline(admin.TabularInline):
    model = Guardian
    extra = 0
    fields = ("name", "relationship", "phone", "email", "language", "interpreter_needed")


@admin.register(Pupil)
class PupilAdmin(ProcessingLogAdminMixin, admin.ModelAdmin):
    list_display = ("__str__", "date_of_birth", "initiative", "school", "grade", "anonymised_at")
    list_filter = ("initiative", "grade")
    search_fields = ("first_name", "last_name", "postcode")
    list_select_related = ("initiative", "school")
    autocomplete_fields = ("initiative", "neighbourhood")
    raw_id_fields = ("school",)
    readonly_fields = ("anonymised_at",)
    inlines = (GuardianInline,)


@admin.register(Guardian)
class GuardianAdmin(ProcessingLogAdminMixin, admin.ModelAdmin):
    list_display = ("name", "relationship", "pupil", "phone", "email", "language")
    list_filter = ("relationship", "interpreter_needed")
    search_fields = ("name", "email", "phone", "pupil__first_name", "pupil__last_name")
    list_select_related = ("pupil",)
    autocomplete_fields = ("pupil",)


class ReferralStatusChangeInline(ReadOnlyInline):
    model = ReferralStatusChange
    fields = ("changed_at", "from_status", "to_status", "reason", "changed_by")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("changed_by")


class PriorityChangeInline(ReadOnlyInline):
    model = PriorityChange
    fields = ("changed_at", "from_priority", "to_priority", "reason", "changed_by")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("changed_by")


@admin.register(Referral)
class ReferralAdmin(ProcessingLogAdminMixin, admin.ModelAdmin):
    list_display = (
        "pupil",
        "programme",
        "source",
        "referring_school",
        "status",
        "priority",
        "submitted_at",
    )
    list_filter = ("status", "source", "school_year", "programme__initiative", "programme")
    search_fields = ("pupil__first_name", "pupil__last_name", "referring_school__name")
    list_select_related = ("pupil", "programme", "referring_school")
    autocomplete_fields = ("pupil", "programme", "referred_by")
    raw_id_fields = ("referring_school",)
    # Status and its dates change through the referral services, which keep the history.
    readonly_fields = (
        "status",
        "status_changed_at",
        "submitted_at",
        "waiting_since",
        "last_waitlist_reminder_at",
        "version",
    )
    date_hierarchy = "submitted_at"
    inlines = (ReferralStatusChangeInline, PriorityChangeInline)


@admin.register(ReferralStatusChange)
class ReferralStatusChangeAdmin(ReadOnlyAdmin):
    list_display = ("referral", "from_status", "to_status", "changed_at", "changed_by")
    list_filter = ("to_status",)
    search_fields = ("referral__pupil__first_name", "referral__pupil__last_name", "reason")
    list_select_related = ("referral__pupil", "referral__programme", "changed_by")
    date_hierarchy = "changed_at"


@admin.register(PriorityChange)
class PriorityChangeAdmin(ReadOnlyAdmin):
    list_display = ("referral", "from_priority", "to_priority", "changed_at", "changed_by")
    search_fields = ("referral__pupil__first_name", "referral__pupil__last_name", "reason")
    list_select_related = ("referral__pupil", "referral__programme", "changed_by")
    date_hierarchy = "changed_at"


@admin.register(TripartiteMeeting)
class TripartiteMeetingAdmin(admin.ModelAdmin):
    list_display = ("referral", "planned_at", "held_on", "conditions_accepted", "recorded_by")
    list_filter = ("conditions_accepted",)
    search_fields = ("referral__pupil__first_name", "referral__pupil__last_name")
    list_select_related = ("referral__pupil", "referral__programme", "recorded_by")
    autocomplete_fields = ("referral",)
    raw_id_fields = ("recorded_by",)
    date_hierarchy = "planned_at"


class GoalInline(admin.TabularInline):
    model = Goal
    extra = 0


@admin.register(ActionPlan)
class ActionPlanAdmin(admin.ModelAdmin):
    list_display = ("referral", "meeting", "created_at")
    search_fields = ("referral__pupil__first_name", "referral__pupil__last_name")
    list_select_related = ("referral__pupil", "referral__programme", "meeting")
    autocomplete_fields = ("referral",)
    raw_id_fields = ("meeting",)
    inlines = (GoalInline,)


@admin.register(Goal)
class GoalAdmin(admin.ModelAdmin):
    list_display = ("__str__", "plan", "responsible", "review_date")
    search_fields = ("description", "plan__referral__pupil__last_name")
    list_select_related = ("plan",)
    raw_id_fields = ("plan",)
    date_hierarchy = "review_date"


class MatchParticipantInline(admin.TabularInline):
    model = MatchParticipant
    extra = 0
    fields = ("pupil", "referral", "programme", "joined_on", "left_on")
    autocomplete_fields = ("pupil", "referral", "programme")


@admin.register(Match)
class MatchAdmin(ProcessingLogAdminMixin, admin.ModelAdmin):
    list_display = (
        "__str__",
        "kind",
        "location_type",
        "start_date",
        "planned_end_date",
        "end_date",
        "end_reason",
    )
    list_filter = ("kind", "location_type", "end_reason", "programme__initiative", "programme")
    search_fields = (
        "volunteer__first_name",
        "volunteer__last_name",
        "participants__pupil__first_name",
        "participants__pupil__last_name",
    )
    list_select_related = ("volunteer", "programme")
    autocomplete_fields = ("programme", "volunteer")
    raw_id_fields = ("created_by",)
    date_hierarchy = "start_date"
    inlines = (MatchParticipantInline,)


@admin.register(MatchParticipant)
class MatchParticipantAdmin(ProcessingLogAdminMixin, admin.ModelAdmin):
    list_display = ("pupil", "match", "programme", "joined_on", "left_on")
    search_fields = ("pupil__first_name", "pupil__last_name")
    list_filter = ("programme",)
    list_select_related = ("pupil", "match__volunteer", "match__programme", "programme")
    autocomplete_fields = ("pupil", "referral", "programme")
    raw_id_fields = ("match",)


@admin.register(ContactMoment)
class ContactMomentAdmin(ProcessingLogAdminMixin, admin.ModelAdmin):
    list_display = ("date", "kind", "phase", "match", "pupil", "duration_minutes", "attendance")
    list_filter = ("kind", "attendance", "phase")
    search_fields = ("pupil__last_name", "match__volunteer__last_name", "note")
    list_select_related = ("match__volunteer", "match__programme", "pupil")
    raw_id_fields = ("match", "logged_by")
    autocomplete_fields = ("pupil",)
    date_hierarchy = "date"


class GoalEvaluationInline(admin.TabularInline):
    model = GoalEvaluation
    extra = 0
    raw_id_fields = ("goal",)


@admin.register(Evaluation)
class EvaluationAdmin(ProcessingLogAdminMixin, admin.ModelAdmin):
    list_display = ("referral", "moment", "held_on", "recorded_by")
    list_filter = ("moment",)
    search_fields = ("referral__pupil__first_name", "referral__pupil__last_name")
    list_select_related = ("referral__pupil", "referral__programme", "recorded_by")
    autocomplete_fields = ("referral",)
    raw_id_fields = ("recorded_by",)
    date_hierarchy = "held_on"
    inlines = (GoalEvaluationInline,)


@admin.register(GoalEvaluation)
class GoalEvaluationAdmin(admin.ModelAdmin):
    list_display = ("goal", "evaluation_moment", "result")
    list_filter = ("result",)
    list_select_related = ("goal", "evaluation")
    raw_id_fields = ("goal", "evaluation")

    @admin.display(description=Evaluation._meta.get_field("moment").verbose_name)
    def evaluation_moment(self, obj):
        return obj.evaluation.get_moment_display()


class ImpactScoreInline(admin.TabularInline):
    model = ImpactScore
    extra = 0


@admin.register(ImpactQuestion)
class ImpactQuestionAdmin(admin.ModelAdmin):
    list_display = ("text", "programme", "order", "is_active")
    list_filter = ("is_active", "programme__initiative")
    list_select_related = ("programme",)
    search_fields = ("text", "programme__name")


@admin.register(PupilAvailability)
class PupilAvailabilityAdmin(admin.ModelAdmin):
    list_display = ("pupil", "weekday", "start_time", "end_time")
    list_select_related = ("pupil",)
    raw_id_fields = ("pupil",)


@admin.register(AttentionSignal)
class AttentionSignalAdmin(admin.ModelAdmin):
    list_display = ("rule", "subject", "anchor", "initiative", "first_seen_at", "notified_at")
    list_filter = ("rule", "initiative")
    list_select_related = ("initiative",)
    raw_id_fields = ("match", "volunteer")


@admin.register(ImpactMeasurement)
class ImpactMeasurementAdmin(ProcessingLogAdminMixin, admin.ModelAdmin):
    list_display = ("referral", "moment", "measured_on", "recorded_by")
    list_filter = ("moment",)
    search_fields = ("referral__pupil__first_name", "referral__pupil__last_name")
    list_select_related = ("referral__pupil", "referral__programme", "recorded_by")
    autocomplete_fields = ("referral",)
    raw_id_fields = ("recorded_by",)
    date_hierarchy = "measured_on"
    inlines = (ImpactScoreInline,)


@admin.register(ImpactScore)
class ImpactScoreAdmin(admin.ModelAdmin):
    list_display = ("measurement", "question", "score")
    list_filter = ("question__programme", "score")
    list_select_related = (
        "measurement__referral__pupil",
        "measurement__referral__programme",
        "question",
    )
    raw_id_fields = ("measurement",)


@admin.register(LearnerProfile)
class LearnerProfileAdmin(admin.ModelAdmin):
    list_display = ("pupil", "municipality", "learning_route", "level_goal", "has_coach")
    list_filter = ("learning_route",)
    list_select_related = ("pupil", "municipality")
    raw_id_fields = ("pupil",)


@admin.register(DropOutSignal)
class DropOutSignalAdmin(admin.ModelAdmin):
    list_display = ("referral", "signalled_on", "recorded_at")
    list_select_related = ("referral__pupil", "referral__programme")
    raw_id_fields = ("referral", "match", "recorded_by")


@admin.register(CoachCheckIn)
class CoachCheckInAdmin(admin.ModelAdmin):
    list_display = ("match", "held_on", "recorded_at")
    list_select_related = ("match__volunteer", "match__programme")
    raw_id_fields = ("match", "recorded_by")
