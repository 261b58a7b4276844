"""What the export and erasure pages of pupils and volunteers share.

The pages themselves are ``referrals.views.privacy`` and
``initiatives.views.privacy``; the services ``referrals.privacy`` and
``initiatives.privacy``.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _


class EraseForm(forms.Form):
    """The confirmation step of an early erasure: a reason and an explicit yes."""

    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=500,
        help_text=_("For example: the parents asked for it. Write no names or other details."),
        error_messages={"required": _("Give a reason.")},
    )
    confirm = forms.BooleanField(
        label=_("I understand that the data is erased for good and cannot be brought back"),
        error_messages={"required": _("Tick the box to confirm.")},
    )

    def add_service_error(self, error: ValidationError) -> None:
        """Put a service's refusal next to the reason, or above the form."""
        if hasattr(error, "error_dict"):
            for field, errors in error.error_dict.items():
                self.add_error(field if field in self.fields else None, errors)
        else:
            self.add_error(None, error)


def attachment(content: bytes, *, content_type: str, filename: str) -> HttpResponse:
    """A download; the file name holds a record number, never a name."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
