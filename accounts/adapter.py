import time

from allauth.account import app_settings as account_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.authentication import get_authentication_records
from allauth.core import context
from django.core.exceptions import ValidationError

from .security import log_lockout

# allauth's error codes when it refuses for too many attempts.
LOCKOUT_CODES = frozenset({"too_many_login_attempts", "rate_limited"})


class InviteOnlyAccountAdapter(DefaultAccountAdapter):
    """No open sign-up: users are invited by an administrator or a project leader."""

    def is_open_for_signup(self, request) -> bool:
        return False

    def login(self, request, user) -> None:
        super().login(request, user)
        # The first login after an invitation (usually right after setting
        # the password through the link) accepts it.
        from .services import invitations_accept

        invitations_accept(user=user)

    def is_reauthentication_required(self, *, app: str, **kwargs) -> bool:
        """No second password prompt for the MFA pages right after logging in.

        allauth asks for the password again before adding or removing a
        second factor, unless the user reauthenticated in the last
        ``ACCOUNT_REAUTHENTICATION_TIMEOUT`` seconds. The login itself is such
        a proof too: a user sent to the setup page straight after logging in
        sets it up without typing the password twice.
        """
        required = super().is_reauthentication_required(app=app, **kwargs)
        if required and app == "allauth.mfa" and _logged_in_moments_ago(self.request):
            return False
        return required

    def pre_authenticate(self, request, **credentials) -> None:
        """allauth refuses a password login here after too many failed attempts."""
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError as exc:
            if exc.code in LOCKOUT_CODES:
                log_lockout(request, action="login", email=credentials.get("email"))
            raise

    def validation_error(self, code, *args) -> ValidationError:
        # A second factor (authenticator code, security key) refused after too
        # many attempts reaches the adapter only here. Password logins are
        # logged in pre_authenticate, where the address is known.
        if code in LOCKOUT_CODES:
            request = getattr(context, "request", None)
            user = _second_factor_user(request)
            if user is not None:
                log_lockout(request, action="second_factor", user=user)
        return super().validation_error(code, *args)


def _second_factor_user(request):
    """The user whose second factor is checked: signed in, or halfway through login."""
    if request is None:
        return None
    if request.user.is_authenticated:
        return request.user
    stage = getattr(request, "_login_stage", None)  # set by allauth's login stages
    login = getattr(stage, "login", None)
    return getattr(login, "user", None)


def _logged_in_moments_ago(request) -> bool:
    if request is None or not request.user.is_authenticated:
        return False
    records = get_authentication_records(request, request.user)
    if not records:
        return False
    return time.time() - records[-1]["at"] < account_settings.REAUTHENTICATION_TIMEOUT
