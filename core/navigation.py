"""The main navigation: one list of items, filtered per user.

Later features add their page here, in one place. An item whose URL name
does not exist (yet) is left out, so an entry can be added before its page.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from accounts.scope import Scope


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str
    # Roles that see the item; None means every signed-in user.
    roles: frozenset[str] | None = None
    staff_only: bool = False
    superuser_only: bool = False


@dataclass(frozen=True)
class NavLink:
    label: str | Promise
    url: str
    is_current: bool


NAV_ITEMS: tuple[NavItem, ...] = (
    NavItem(_("Home"), "home"),
    NavItem(_("Inbox"), "referrals:inbox", roles=frozenset({Role.PROJECT_LEADER})),
    NavItem(_("Waitlist"), "referrals:waitlist", roles=frozenset({Role.PROJECT_LEADER})),
    NavItem(
        _("Matches"),
        "referrals:match_list",
        roles=frozenset({Role.PROJECT_LEADER, Role.VOLUNTEER}),
    ),
    NavItem(_("Needs attention"), "referrals:attention", roles=frozenset({Role.PROJECT_LEADER})),
    NavItem(_("New referral"), "referrals:leader_create", roles=frozenset({Role.PROJECT_LEADER})),
    NavItem(_("Referrals"), "referrals:school_list", roles=frozenset({Role.SCHOOL_REFERRER})),
    NavItem(_("Refer a pupil"), "referrals:school_create", roles=frozenset({Role.SCHOOL_REFERRER})),
    NavItem(
        _("My referrals"), "referrals:client_manager_list", roles=frozenset({Role.CLIENT_MANAGER})
    ),
    NavItem(_("Volunteers"), "initiatives:volunteer_list", roles=frozenset({Role.PROJECT_LEADER})),
    NavItem(
        _("Dashboard"),
        "municipality:dashboard",
        roles=frozenset({Role.MUNICIPAL_OFFICIAL, Role.PROJECT_LEADER}),
    ),
    NavItem(
        _("Funding"),
        "municipality:agreement_list",
        roles=frozenset({Role.MUNICIPAL_OFFICIAL, Role.PROJECT_LEADER}),
    ),
    NavItem(
        _("Reports"),
        "reports:report_list",
        roles=frozenset({Role.MUNICIPAL_OFFICIAL, Role.PROJECT_LEADER}),
    ),
    NavItem(_("Team"), "accounts_team", roles=frozenset({Role.PROJECT_LEADER})),
    NavItem(
        _("Processing log"),
        "audit:log",
        roles=frozenset({Role.PRIVACY_OFFICER}),
    ),
    NavItem(_("Import"), "core:reference_import", superuser_only=True),
    NavItem(_("Administration"), "admin:index", staff_only=True),
)


def _is_visible(item: NavItem, *, scope: Scope, is_staff: bool) -> bool:
    if item.superuser_only:
        return scope.is_superuser
    if item.staff_only:
        return is_staff
    if item.roles is None:
        return True
    return bool(item.roles & scope.roles)


def _is_current(url: str, path: str) -> bool:
    if url == "/":
        return path == "/"
    return path.startswith(url)


def nav_links_for(user, *, scope: Scope, path: str) -> list[NavLink]:
    """The navigation links this user may follow, marking the current page."""
    if user is None or not user.is_authenticated:
        return []
    visible = []
    for item in NAV_ITEMS:
        if not _is_visible(item, scope=scope, is_staff=user.is_staff):
            continue
        try:
            visible.append((item, reverse(item.url_name)))
        except NoReverseMatch:
            continue
    # Only the most specific matching link is the current page
    # (/aanmeldingen/nieuw/ is not also /aanmeldingen/).
    matching = [url for _item, url in visible if _is_current(url, path)]
    current = max(matching, key=len, default=None)
    return [NavLink(label=item.label, url=url, is_current=url == current) for item, url in visible]
