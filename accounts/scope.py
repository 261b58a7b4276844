"""What a user may see, derived once per request from their memberships.

Every ``visible_to(user)`` QuerySet method starts from ``scope_for(user)``,
so the rules of who sees what are written in one place per model and read
the same memberships everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .models import Role


@dataclass(frozen=True)
class Scope:
    is_superuser: bool = False
    led_initiative_ids: frozenset[int] = field(default_factory=frozenset)
    volunteer_initiative_ids: frozenset[int] = field(default_factory=frozenset)
    school_ids: frozenset[int] = field(default_factory=frozenset)
    municipality_ids: frozenset[int] = field(default_factory=frozenset)
    privacy_initiative_ids: frozenset[int] = field(default_factory=frozenset)
    client_manager_municipality_ids: frozenset[int] = field(default_factory=frozenset)
    user_id: int | None = None

    @property
    def roles(self) -> frozenset[str]:
        roles = set()
        if self.led_initiative_ids:
            roles.add(Role.PROJECT_LEADER)
        if self.volunteer_initiative_ids:
            roles.add(Role.VOLUNTEER)
        if self.school_ids:
            roles.add(Role.SCHOOL_REFERRER)
        if self.municipality_ids:
            roles.add(Role.MUNICIPAL_OFFICIAL)
        if self.privacy_initiative_ids:
            roles.add(Role.PRIVACY_OFFICER)
        if self.client_manager_municipality_ids:
            roles.add(Role.CLIENT_MANAGER)
        return frozenset(roles)

    def leads(self, initiative_id: int) -> bool:
        """Whether the user may manage this initiative's work (project leader or admin)."""
        return self.is_superuser or initiative_id in self.led_initiative_ids

    @property
    def initiative_ids(self) -> frozenset[int]:
        return self.led_initiative_ids | self.volunteer_initiative_ids


EMPTY = Scope()


def scope_for(user) -> Scope:
    """The user's scope, cached on the user object for the rest of the request."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return EMPTY
    cached = getattr(user, "_scope_cache", None)
    if cached is not None:
        return cached
    by_role: dict[str, set[int]] = {role: set() for role in Role.values}
    # Only current memberships: whoever left an organisation loses its access
    # at the next request (the scope is computed per request, tokens included).
    for role, initiative_id, school_id, municipality_id in user.memberships.current().values_list(
        "role", "initiative_id", "school_id", "municipality_id"
    ):
        by_role[role].add(initiative_id or school_id or municipality_id)
    scope = Scope(
        is_superuser=user.is_superuser,
        led_initiative_ids=frozenset(by_role[Role.PROJECT_LEADER]),
        volunteer_initiative_ids=frozenset(by_role[Role.VOLUNTEER]),
        school_ids=frozenset(by_role[Role.SCHOOL_REFERRER]),
        municipality_ids=frozenset(by_role[Role.MUNICIPAL_OFFICIAL]),
        privacy_initiative_ids=frozenset(by_role[Role.PRIVACY_OFFICER]),
        client_manager_municipality_ids=frozenset(by_role[Role.CLIENT_MANAGER]),
        user_id=user.pk,
    )
    user._scope_cache = scope
    return scope


def forget_scope(user) -> None:
    """Drop the cached scope (after memberships change)."""
    if hasattr(user, "_scope_cache"):
        del user._scope_cache
