"""Small helpers the initiatives page tests share."""

from __future__ import annotations

from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext


def text(response) -> str:
    return response.content.decode()


def shown(response, message: str) -> bool:
    """Whether the page shows ``message`` (translated as the page is, HTML-escaped)."""
    with translation.override("nl"):
        translated = gettext(message)
    return escape(translated) in text(response)


def resolve(world, path: str):
    """``resolve(world, "a.project_leader")`` is ``world.a.project_leader``."""
    obj = world
    for part in path.split("."):
        obj = getattr(obj, part)
    return obj
