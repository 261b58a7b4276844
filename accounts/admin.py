from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount, SocialApp, SocialToken
from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm as DjangoUserChangeForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import selectors, services
from .models import ApiToken, Invitation, Membership, User


class UserCreationForm(forms.ModelForm):
    """Add a user without a password; they choose one through an invitation."""

    class Meta:
        model = User
        fields = ("email", "first_name", "last_name")

    def clean_email(self):
        email = User.objects.normalize_email(self.cleaned_data["email"]).lower()
        if User.objects.filter(email__iexact=email).exists():
            raise ValidationError(_("A user with this email address already exists."))
        return email

    def save(self, commit=True):
        user = super().save(commit=False)
        user.set_unusable_password()
        if commit:
            user.save()
        return user


class UserChangeForm(DjangoUserChangeForm):
    class Meta:
        model = User
        fields = "__all__"
        field_classes: dict = {}


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ("role", "initiative", "school", "municipality", "created_at", "ended_at")
    readonly_fields = ("created_at",)
    autocomplete_fields = ("initiative", "school", "municipality")


class InvitationInline(admin.TabularInline):
    model = Invitation
    fk_name = "user"
    extra = 0
    fields = ("membership", "invited_by", "sent_at", "accepted_at")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related(
                "invited_by",
                "membership__user",
                "membership__initiative",
                "membership__school",
                "membership__municipality",
            )
        )


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    ordering = ("email",)
    list_display = ("email", "first_name", "last_name", "is_active", "is_staff", "last_login")
    list_filter = ("is_active", "is_staff", "is_superuser", "memberships__role")
    search_fields = ("email", "first_name", "last_name")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Personal info"), {"fields": ("first_name", "last_name")}),
        (
            _("Permissions"),
            {
                "fields": (
                    "is_active",
                    "is_staff",
                    "is_superuser",
                    "groups",
                    "user_permissions",
                )
            },
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "first_name", "last_name"),
                "description": _(
                    "The user gets no password. Add memberships on the next page, "
                    "then use the action 'Send invitation' in the user list."
                ),
            },
        ),
    )
    readonly_fields = ("last_login", "date_joined")
    inlines = (MembershipInline, InvitationInline)
    actions = ("send_invitation", "reset_two_step_verification")

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else ()

    @admin.action(description=_("Send invitation"), permissions=("invite",))
    def send_invitation(self, request, queryset):
        sent = 0
        for user in queryset.prefetch_related("memberships"):
            if user.has_usable_password():
                self.message_user(
                    request,
                    _("%(email)s already has a password; no invitation sent.")
                    % {"email": user.email},
                    messages.WARNING,
                )
                continue
            memberships = sorted(user.memberships.all(), key=lambda m: m.created_at)
            try:
                services.send_invitation(
                    user=user,
                    invited_by=request.user,
                    membership=memberships[-1] if memberships else None,
                )
            except (PermissionDenied, ValidationError) as error:
                message = error.messages[0] if isinstance(error, ValidationError) else str(error)
                self.message_user(request, f"{user.email}: {message}", messages.ERROR)
            else:
                sent += 1
        if sent:
            self.message_user(
                request,
                ngettext("%(count)d invitation sent.", "%(count)d invitations sent.", sent)
                % {"count": sent},
                messages.SUCCESS,
            )

    def has_invite_permission(self, request):
        return services.is_invitation_administrator(request.user)

    @admin.action(
        description=_("Reset two-step verification (lost phone and recovery codes)"),
        permissions=("reset_mfa",),
    )
    def reset_two_step_verification(self, request, queryset):
        from .mfa import mfa_reset

        for user in queryset:
            mfa_reset(user=user, reset_by=request.user)
        self.message_user(
            request,
            _(
                "Two-step verification reset for %(count)d users: at their next login "
                "they set it up again."
            )
            % {"count": len(queryset)},
            messages.SUCCESS,
        )

    def has_reset_mfa_permission(self, request):
        return request.user.is_superuser


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "role", "organisation", "created_at", "ended_at")
    list_filter = ("role", ("ended_at", admin.EmptyFieldListFilter))
    search_fields = (
        "user__email",
        "user__first_name",
        "user__last_name",
        "initiative__name",
        "school__name",
        "municipality__name",
    )
    list_select_related = ("user", "initiative", "school", "municipality")
    autocomplete_fields = ("user", "initiative", "school", "municipality")
    date_hierarchy = "created_at"

    @admin.display(description=_("organisation"))
    def organisation(self, obj):
        return obj.organisation


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ("user", "membership_role", "organisation", "invited_by", "sent_at", "status")
    list_filter = ("membership__role", ("accepted_at", admin.EmptyFieldListFilter))
    search_fields = ("user__email", "invited_by__email")
    list_select_related = (
        "user",
        "invited_by",
        "membership__initiative",
        "membership__school",
        "membership__municipality",
    )
    readonly_fields = ("user", "invited_by", "membership", "sent_at", "accepted_at")
    date_hierarchy = "sent_at"

    def has_add_permission(self, request):
        # Invitations are made by the invite page or the user action, which send the email.
        return False

    @admin.display(description=_("role"))
    def membership_role(self, obj):
        return obj.membership.get_role_display() if obj.membership else ""

    @admin.display(description=_("organisation"))
    def organisation(self, obj):
        return obj.membership.organisation if obj.membership else ""

    @admin.display(description=_("status"))
    def status(self, obj):
        return selectors.INVITATION_STATUS_LABELS[selectors.invitation_status(obj)]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are made by their users; an administrator can only see and revoke them."""

    list_display = (
        "name",
        "prefix",
        "user",
        "membership",
        "read_only",
        "last_used_at",
        "revoked_at",
    )
    list_filter = ("read_only", ("revoked_at", admin.EmptyFieldListFilter))
    search_fields = ("name", "prefix", "user__email")
    readonly_fields = [
        f.name for f in ApiToken._meta.fields if f.name not in ("revoked_at", "key_hash")
    ]
    exclude = ("key_hash",)
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request, queryset):
        from django.utils import timezone

        count = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        self.message_user(request, _("%(count)d tokens revoked.") % {"count": count})


# allauth's own admin pages: the organisation login is configured by
# environment variables (OIDC_*) and stores no tokens, and the authenticator
# page would show the secrets of authenticator apps. An administrator resets
# a user's two-step verification with the action on the user list.
for _allauth_model in (Authenticator, SocialApp, SocialToken, SocialAccount):
    if admin.site.is_registered(_allauth_model):
        admin.site.unregister(_allauth_model)
