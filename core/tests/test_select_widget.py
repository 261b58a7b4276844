"""The project's select template (templates/django/forms/widgets/select.html).

It writes each option in place instead of including a template per option
(faster for long lists); the markup must stay exactly Django's.
"""

from __future__ import annotations

from django import forms
from django.forms.renderers import DjangoTemplates, TemplatesSetting
from django.test.html import parse_html


class Choices(forms.Form):
    plain = forms.ChoiceField(
        choices=[("", "---"), ("1", "Een & twee"), ("2", '"Drie"')], required=False
    )
    grouped = forms.ChoiceField(
        choices=[("Noord", [("n1", "Noordoost"), ("n2", "Noordwest")]), ("z", "Zuid")]
    )
    several = forms.MultipleChoiceField(choices=[("a", "A"), ("b", "B"), ("c", "C")])


def _rendered(renderer) -> dict[str, str]:
    form = Choices(data={"plain": "1", "grouped": "n2", "several": ["a", "c"]}, renderer=renderer)
    form.fields["plain"].widget.attrs["disabled"] = True
    return {name: str(form[name]) for name in form.fields}


def test_the_forms_use_the_projects_select_template(settings):
    assert settings.FORM_RENDERER == "django.forms.renderers.TemplatesSetting"
    from django.template.loader import get_template

    origin = get_template("django/forms/widgets/select.html").origin.name
    assert origin.endswith("templates/django/forms/widgets/select.html")
    assert "site-packages" not in origin


def test_the_select_markup_is_djangos_own():
    ours, djangos = _rendered(TemplatesSetting()), _rendered(DjangoTemplates())

    for name in Choices.base_fields:
        assert parse_html(ours[name]) == parse_html(djangos[name]), name
    assert 'selected value="n2"' in ours["grouped"] or 'value="n2" selected' in ours["grouped"]
    assert "Een &amp; twee" in ours["plain"]
