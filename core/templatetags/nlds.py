"""NL Design System markup for Django forms and messages.

Usage in a template::

    {% load nlds %}
    <form method="post" novalidate>
      {% csrf_token %}
      {% nlds_fields form %}           {# non-field errors, hidden and visible fields #}
      {% nlds_field form.email %}      {# or one field at a time #}
      <button class="utrecht-button utrecht-button--primary-action" type="submit">...</button>
    </form>

Each field gets a label, its help text and its errors next to it, linked to
the input with ``aria-describedby`` and marked with ``aria-invalid``.
"""

from __future__ import annotations

import copy

from django import forms, template
from django.forms.boundfield import BoundWidget
from django.utils.html import format_html
from django.utils.safestring import mark_safe

register = template.Library()

# Django message level tag -> utrecht-alert modifier.
ALERT_TYPES = {
    "debug": "info",
    "info": "info",
    "success": "ok",
    "warning": "warning",
    "error": "error",
}

INPUT_CLASSES = {
    "textbox": "utrecht-textbox utrecht-textbox--html-input",
    "textarea": "utrecht-textarea utrecht-textarea--html-textarea",
    "select": "utrecht-select utrecht-select--html-select",
    "checkbox": "utrecht-checkbox utrecht-checkbox--html-input utrecht-checkbox--custom",
    "radio": "utrecht-radio-button utrecht-radio-button--html-input",
    "multi_checkbox": "utrecht-checkbox utrecht-checkbox--html-input utrecht-checkbox--custom",
}
INVALID_CLASSES = {
    "textbox": "utrecht-textbox--invalid",
    "textarea": "utrecht-textarea--invalid",
    "select": "utrecht-select--invalid",
    "checkbox": "utrecht-checkbox--invalid",
    "radio": "utrecht-radio-button--invalid",
    "multi_checkbox": "utrecht-checkbox--invalid",
}


@register.filter
def alert_type(message) -> str:
    """The utrecht-alert modifier for a message from the messages framework."""
    return ALERT_TYPES.get(getattr(message, "level_tag", ""), "info")


def _kind(widget: forms.Widget) -> str:
    if isinstance(widget, forms.RadioSelect):
        return "radio"
    if isinstance(widget, forms.CheckboxSelectMultiple):
        return "multi_checkbox"
    if isinstance(widget, forms.CheckboxInput):
        return "checkbox"
    if isinstance(widget, forms.Select):
        return "select"
    if isinstance(widget, forms.Textarea):
        return "textarea"
    return "textbox"


@register.filter
def select_options(optgroups) -> str:
    """The <option>s (and <optgroup>s) of a select widget's ``optgroups``, as Django writes them.

    Used by templates/django/forms/widgets/select.html: written here rather
    than with a template per option (and per attribute), it takes a tenth of
    the time for the long lists of the dashboards and the report forms.
    """
    parts = []
    for group_name, group_choices, _index in optgroups:
        if group_name:
            parts.append(format_html('<optgroup label="{}">', group_name))
        for option in group_choices:
            parts.append(
                format_html(
                    '<option value="{}"{}>{}</option>',
                    str(option["value"]),
                    _option_attrs(option["attrs"]),
                    option["label"],
                )
            )
        if group_name:
            parts.append("</optgroup>")
    return mark_safe("".join(parts))  # noqa: S308 - every part is escaped above


def _option_attrs(attrs: dict) -> str:
    return mark_safe(  # noqa: S308 - names are the widget's, values escaped
        "".join(
            f" {name}" if value is True else format_html(' {}="{}"', name, str(value))
            for name, value in attrs.items()
            if value is not False
        )
    )


@register.inclusion_tag("components/form_field.html")
def nlds_field(field):
    """One form field in NLDS markup: label, description, error message, input."""
    widget = copy.copy(field.field.widget)
    # The visible label says what to type; a placeholder would only repeat it.
    widget.attrs = {k: v for k, v in widget.attrs.items() if k != "placeholder"}
    kind = _kind(widget)
    field_id = field.auto_id
    has_errors = bool(field.errors)
    described_by = []
    if field.help_text:
        described_by.append(f"{field_id}_description")
    if has_errors:
        described_by.append(f"{field_id}_error")
    classes = [widget.attrs.get("class", ""), INPUT_CLASSES[kind]]
    if has_errors:
        classes.append(INVALID_CLASSES[kind])
    attrs = {"class": " ".join(c for c in classes if c)}
    if described_by:
        attrs["aria-describedby"] = " ".join(described_by)
    if has_errors:
        attrs["aria-invalid"] = "true"

    context = {
        "field": field,
        "field_id": field_id,
        "kind": kind,
        "has_errors": has_errors,
        "is_group": kind in ("radio", "multi_checkbox"),
    }
    if context["is_group"]:
        attrs["id"] = field_id
        context["options"] = [
            BoundWidget(widget, data, field.form.renderer)
            for data in widget.subwidgets(field.html_name, field.value(), attrs=attrs)
        ]
    else:
        context["widget_html"] = field.as_widget(widget=widget, attrs=attrs)
    return context


@register.inclusion_tag("components/form_fields.html")
def nlds_fields(form):
    """All of a form: errors about the whole form, hidden fields, then each visible field.

    Errors on hidden fields have no field to stand beside, so they join the
    errors about the whole form instead of disappearing.
    """
    errors = list(form.non_field_errors())
    for field in form.hidden_fields():
        errors.extend(field.errors)
    return {"form": form, "form_errors": errors}
