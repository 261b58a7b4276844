from __future__ import annotations

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .querysets import MembershipQuerySet


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    """A person who logs in with an email address."""

    username = None
    email = models.EmailField(_("email address"), unique=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["email"]

    def __str__(self) -> str:
        return self.get_full_name() or self.email


class Role(models.TextChoices):
    PROJECT_LEADER = "project_leader", _("Project leader")
    VOLUNTEER = "volunteer", _("Volunteer")
    SCHOOL_REFERRER = "school_referrer", _("School referrer")
    MUNICIPAL_OFFICIAL = "municipal_official", _("Municipal official")
    # Supervises the initiative's processing of personal data: searches the
    # processing log, sees no pupil's file.
    PRIVACY_OFFICER = "privacy_officer", _("Privacy officer")
    # The municipality's klantmanager (Wet inburgering): refers adult
    # newcomers to language coaching and sees only the people they referred.
    CLIENT_MANAGER = "client_manager", _("Client manager")


# Which organisation field each role belongs to.
ROLE_ORGANISATION = {
    Role.PROJECT_LEADER: "initiative",
    Role.VOLUNTEER: "initiative",
    Role.PRIVACY_OFFICER: "initiative",
    Role.SCHOOL_REFERRER: "school",
    Role.MUNICIPAL_OFFICIAL: "municipality",
    Role.CLIENT_MANAGER: "municipality",
}


class Membership(models.Model):
    """A user's role in one organisation: an initiative, a school or a municipality."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    initiative = models.ForeignKey(
        "initiatives.Initiative",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="memberships",
    )
    school = models.ForeignKey(
        "schools.SchoolLocation",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="memberships",
    )
    municipality = models.ForeignKey(
        "municipality.Municipality",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="memberships",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # When the user left the organisation: from this moment the membership
    # gives no access (see accounts.scope). Kept, not deleted, for the record.
    ended_at = models.DateTimeField(
        _("ended at"),
        null=True,
        blank=True,
        help_text=_("From this moment the membership gives no access."),
    )

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(
                        role__in=[Role.PROJECT_LEADER, Role.VOLUNTEER, Role.PRIVACY_OFFICER],
                        initiative__isnull=False,
                        school__isnull=True,
                        municipality__isnull=True,
                    )
                    | Q(
                        role=Role.SCHOOL_REFERRER,
                        initiative__isnull=True,
                        school__isnull=False,
                        municipality__isnull=True,
                    )
                    | Q(
                        role__in=[Role.MUNICIPAL_OFFICIAL, Role.CLIENT_MANAGER],
                        initiative__isnull=True,
                        school__isnull=True,
                        municipality__isnull=False,
                    )
                ),
                name="membership_organisation_matches_role",
            ),
            *(
                models.UniqueConstraint(
                    fields=["user", "role", org],
                    # an ended membership does not stop the user from joining again
                    condition=Q(**{f"{org}__isnull": False}, ended_at__isnull=True),
                    name=f"membership_unique_{org}",
                )
                for org in ("initiative", "school", "municipality")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} - {self.get_role_display()} - {self.organisation}"

    @property
    def organisation(self):
        return getattr(self, ROLE_ORGANISATION[Role(self.role)])


class Invitation(models.Model):
    """Record of an invitation; the link itself is a password-set token."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="invitations")
    invited_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, related_name="invitations_sent"
    )
    membership = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, related_name="invitations"
    )
    sent_at = models.DateTimeField(auto_now_add=True)
    email_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-sent_at"]


class ApiToken(models.Model):
    """A personal API token: a secret shown once, stored only as its SHA-256 hash.

    A token acts for its user within one membership (one role in one
    organisation), or within all the user's memberships when ``membership``
    is empty; ``read_only`` refuses every write. It can never see or do more
    than its user: removing the membership or deactivating the user stops it.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=12, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    membership = models.ForeignKey(
        Membership,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="api_tokens",
        verbose_name=_("role"),
    )
    read_only = models.BooleanField(_("read only"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
