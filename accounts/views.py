from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from . import selectors, services
from .forms import InviteForm


@login_required
def invite(request):
    """Invite a project leader or volunteer into an initiative one leads."""
    if not services.may_invite(request.user):
        raise PermissionDenied
    form = InviteForm(request.POST or None, inviter=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            invitation = services.invite_user(
                email=data["email"],
                role=data["role"],
                organisation=data["initiative"],
                invited_by=request.user,
                first_name=data["first_name"],
                last_name=data["last_name"],
            )
        except PermissionDenied as error:
            form.add_error("initiative", str(error))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("An invitation has been sent to %(email)s.") % {"email": invitation.user.email},
            )
            return redirect("accounts_invite")
    return render(
        request,
        "accounts/invite.html",
        {"form": form, "invitations": selectors.invitations_sent_by(user=request.user)},
    )
