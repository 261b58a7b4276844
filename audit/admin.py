"""The Django admin leaves entries in the processing log, as the other pages do.

``ProcessingLogAdminMixin`` goes before ``admin.ModelAdmin`` on the admin of
every model whose rows hold a pupil's, guardian's or volunteer's data
(``audit.registry.records_behind``). The admin's addresses name records by
``object_id``, not by ``pk``, so the registry does not cover them; the mixin
notes the records and the processing log middleware writes them once the
response is made (refused on 403 and 404).

The processing log itself has no admin: the privacy officer's pages show it.
"""

from __future__ import annotations

from django.contrib.admin.utils import unquote

from .registry import records_of
from .services import Action, note, note_record


class ProcessingLogAdminMixin:
    """Log the admin's reads and changes of personal data.

    - the list: every record on the page shown (``list``);
    - one record's page and its history: ``view``; a post to it: ``update``;
    - a record added: ``create``; changed in the list: ``update``;
    - the deletion page: ``view``; deleted (one, or with the list's action): ``delete``.
    """

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = (getattr(response, "context_data", None) or {}).get("cl")
        if changelist is not None:  # not on a redirect after an action
            for record_type, ids in records_of(changelist.result_list).items():
                note(request, record_type, ids)
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        action = Action.VIEW if request.method in ("GET", "HEAD") else Action.UPDATE
        self._note_object(request, object_id, action)
        return super().change_view(request, object_id, form_url, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        self._note_object(request, object_id, Action.VIEW)
        return super().history_view(request, object_id, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        if request.method in ("GET", "HEAD"):  # the confirmation; a post logs the deletion
            self._note_object(request, object_id, Action.VIEW)
        return super().delete_view(request, object_id, extra_context)

    def log_addition(self, request, obj, message):
        note_record(request, obj, Action.CREATE)
        return super().log_addition(request, obj, message)

    def log_change(self, request, obj, message):
        note_record(request, obj, Action.UPDATE)
        return super().log_change(request, obj, message)

    def log_deletions(self, request, queryset):
        # Before the rows go: whose they were is looked up in them.
        for obj in queryset:
            note_record(request, obj, Action.DELETE)
        return super().log_deletions(request, queryset)

    def _note_object(self, request, object_id, action: str) -> None:
        obj = self.get_object(request, unquote(object_id))  # None: no such record
        if obj is not None:
            note_record(request, obj, action)
