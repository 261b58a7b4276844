"""The page where a user makes, sees and revokes their personal API tokens."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import selectors
from .forms import ApiTokenForm
from .tokens import api_token_create, api_token_revoke


@login_required
def api_tokens(request):
    form = ApiTokenForm(request.POST or None, user=request.user)
    secret = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        expires_at = None
        if data["expires_on"]:
            expires_at = timezone.make_aware(
                dt.datetime.combine(data["expires_on"], dt.time(23, 59, 59))
            )
        try:
            token, secret = api_token_create(
                user=request.user,
                name=data["name"],
                membership=data["membership"],
                read_only=data["read_only"],
                expires_at=expires_at,
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error("expires_on" if field == "expires_at" else field, errors)
        else:
            form = ApiTokenForm(user=request.user)
            messages.success(request, _("Token “%(name)s” is made.") % {"name": token.name})
    return render(
        request,
        "accounts/api_tokens.html",
        {
            "form": form,
            "secret": secret,
            "tokens": selectors.api_tokens_of(user=request.user),
            "now": timezone.now(),
        },
    )


@login_required
@require_POST
def api_token_revoke_view(request, pk: int):
    token = get_object_or_404(selectors.api_tokens_of(user=request.user), pk=pk)
    api_token_revoke(token=token, user=request.user)
    messages.success(request, _("Token “%(name)s” is revoked.") % {"name": token.name})
    return redirect("accounts_api_tokens")
