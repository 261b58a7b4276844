"""The API's request parser: JSON, within Django's limit on a request body.

DRF reads a JSON body from the request stream itself, past the check that
guards ``request.body`` and form data (``DATA_UPLOAD_MAX_MEMORY_SIZE``). This
parser applies that limit too, the way Django does: ``RequestDataTooBig``,
which Django answers with a 400 (``core.views.bad_request``: problem details
under /api/).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from rest_framework import parsers


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        request = (parser_context or {}).get("request")
        if limit is not None and request is not None:
            meta = request.META
            try:
                length = int(meta.get("CONTENT_LENGTH") or meta.get("HTTP_CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if length > limit:
                raise RequestDataTooBig(
                    "Request body exceeded settings.DATA_UPLOAD_MAX_MEMORY_SIZE."
                )
        return super().parse(stream, media_type, parser_context)
