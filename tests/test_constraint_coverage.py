"""Every database constraint of the project has a test that names it."""

from pathlib import Path

from django.apps import apps
from django.conf import settings

PROJECT_APPS = (
    "accounts",
    "core",
    "initiatives",
    "municipality",
    "referrals",
    "reports",
    "schools",
)


def test_every_model_constraint_is_named_in_a_test_models_file():
    tests_text = "".join(
        path.read_text(encoding="utf-8")
        for app in PROJECT_APPS
        for path in (Path(settings.BASE_DIR) / app / "tests").glob("test_models.py")
    )
    names = {
        constraint.name
        for model in apps.get_models()
        if model._meta.app_label in PROJECT_APPS
        for constraint in model._meta.constraints
    }

    untested = sorted(name for name in names if f'"{name}"' not in tests_text)

    assert len(names) > 50
    assert untested == []
