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


class ApiTokenForm(forms.Form):
    """A new personal API token: a name, the role it acts in, read only or not."""

    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What the token is for, e.g. “Power BI dashboard”."),
    )
    membership = forms.ChoiceField(
        label=_("Role"),
        help_text=_("The token sees and does only what you may in this role."),
    )
    read_only = forms.BooleanField(
        label=_("Read only"),
        required=False,
        initial=True,
        help_text=_("A read-only token cannot change anything."),
    )
    expires_on = forms.DateField(
        label=_("Valid until"),
        required=False,
        help_text=_("Optional. After this date the token no longer works."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        memberships = list(
            user.memberships.current().select_related("initiative", "school", "municipality")
        )
        self._memberships = {str(m.pk): m for m in memberships}
        choices = [(str(m.pk), f"{m.get_role_display()}: {m.organisation}") for m in memberships]
        if len(memberships) != 1:
            choices.append(("", _("All my roles")))
        self.fields["membership"].choices = choices

    def clean_membership(self):
        value = self.cleaned_data["membership"]
        return self._memberships.get(value) if value else None
