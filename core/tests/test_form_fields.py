"""The shared form rendering: every error reaches the page."""

from django import forms
from django.template import Context, Template


class _Form(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    name = forms.CharField()


def _render(form) -> str:
    return Template("{% load nlds %}{% nlds_fields form %}").render(Context({"form": form}))


def test_an_error_on_a_hidden_field_is_shown_in_the_error_summary():
    form = _Form(data={"version": "not a number", "name": "Yara"})
    assert not form.is_valid()

    html = _render(form)

    assert 'role="alert"' in html
    assert str(form.errors["version"][0]) in html


def test_a_valid_form_shows_no_error_summary():
    form = _Form(data={"version": "3", "name": "Yara"})
    assert form.is_valid()

    assert 'role="alert"' not in _render(form)
