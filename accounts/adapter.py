from allauth.account.adapter import DefaultAccountAdapter


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
