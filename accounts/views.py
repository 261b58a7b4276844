from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import selectors, services
from .forms import InviteForm
from .scope import scope_for


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


@login_required
def team(request):
    """The people with access to the initiatives one leads; end someone's access."""
    if not scope_for(request.user).led_initiative_ids:
        raise PermissionDenied
    return render(
        request,
        "accounts/team.html",
        {"memberships": selectors.team_memberships(user=request.user)},
    )


@login_required
@require_POST
def membership_end(request, pk: int):
    membership = selectors.team_membership_get(user=request.user, pk=pk)
    if membership is None:
        raise Http404
    try:
        services.membership_end(membership=membership, ended_by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("%(name)s no longer has access as %(role)s.")
            % {"name": membership.user, "role": membership.get_role_display().lower()},
        )
    return redirect("accounts_team")
