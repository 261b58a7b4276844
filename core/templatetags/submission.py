import uuid

from django import template
from django.utils.html import format_html

from core.submissions import FIELD

register = template.Library()


@register.simple_tag
def submission_key():
    """A hidden one-time key, so this form is saved once however often it is sent."""
    return format_html('<input type="hidden" name="{}" value="{}">', FIELD, uuid.uuid4())
