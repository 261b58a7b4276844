"""Second factors for tests: an activated authenticator app and the code it would show.

``give_authenticator_app(user)`` sets one up as allauth does when a user
scans the QR code; ``totp_code()`` computes the current code with allauth's
own TOTP functions, for tests that log in through the login pages.
"""

from __future__ import annotations

import time

from allauth.mfa import app_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value

# A fixed base32 secret, so a browser test can compute the codes too.
TEST_TOTP_SECRET = "KRSXG5CBKVKEQRKOKRUWGYLUN5ZGC4DQ"


def give_authenticator_app(user, secret: str = TEST_TOTP_SECRET) -> Authenticator:
    """The user's authenticator app (TOTP), set up now if they have none."""
    existing = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if existing is not None:
        return existing
    return TOTP.activate(user, secret).instance


def totp_code(secret: str = TEST_TOTP_SECRET, *, at: float | None = None) -> str:
    """The code an authenticator app with ``secret`` shows at time ``at`` (default: now)."""
    counter = int(time.time() if at is None else at) // app_settings.TOTP_PERIOD
    return format_hotp_value(hotp_value(secret, counter))
