from allauth.account.adapter import DefaultAccountAdapter


class InviteOnlyAccountAdapter(DefaultAccountAdapter):
    """No open sign-up: users are invited by an administrator or a project leader."""

    def is_open_for_signup(self, request) -> bool:
        return False
