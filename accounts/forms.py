from django import forms
from django.utils.translation import gettext_lazy as _

from initiatives.models import Initiative

from . import selectors
from .models import Role, User


class InviteForm(forms.Form):
    """A project leader (or administrator) invites someone into an initiative."""

    email = forms.EmailField(label=_("Email address"))
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    role = forms.ChoiceField(
        label=_("Role"),
        choices=[
            (Role.VOLUNTEER.value, Role.VOLUNTEER.label),
            (Role.PROJECT_LEADER.value, Role.PROJECT_LEADER.label),
        ],
        initial=Role.VOLUNTEER.value,
    )
    initiative = forms.ModelChoiceField(
        label=_("Initiative"), queryset=Initiative.objects.none(), empty_label=None
    )

    def __init__(self, *args, inviter: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["initiative"].queryset = selectors.initiatives_for_inviting(user=inviter)
        self.fields["email"].widget.attrs.update({"autocomplete": "off", "spellcheck": "false"})
