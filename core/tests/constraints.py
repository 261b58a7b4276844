"""``violates(name)``: assert that the database itself rejects a write.

Use it around a write that bypasses forms and ``full_clean()``
(``objects.create``, ``bulk_create``, ``filter(...).update(...)``)::

    with violates("match_end_not_before_start"):
        Match.objects.filter(pk=match.pk).update(end_date=...)

It checks that the named constraint exists on some model, that the write
raises ``IntegrityError`` inside its own savepoint, and that the error is
about that constraint: a CHECK constraint by name (SQLite and PostgreSQL both
print it), a unique constraint by name or by its columns (SQLite prints the
columns, PostgreSQL the name and the key). So a test cannot pass because some
other rule happened to reject the row.
"""

from __future__ import annotations

import contextlib

import pytest
from django.apps import apps
from django.db import IntegrityError, models, transaction


def find_constraint(name: str) -> tuple[type[models.Model], models.BaseConstraint]:
    for model in apps.get_models():
        for constraint in model._meta.constraints:
            if constraint.name == name:
                return model, constraint
    raise LookupError(f"No model has a constraint named {name!r}.")


def _columns(model, constraint) -> list[str]:
    return [model._meta.get_field(field).column for field in constraint.fields]


@contextlib.contextmanager
def violates(name: str):
    model, constraint = find_constraint(name)
    with pytest.raises(IntegrityError) as excinfo, transaction.atomic():
        yield
    message = str(excinfo.value)
    if isinstance(constraint, models.UniqueConstraint) and constraint.fields:
        columns = _columns(model, constraint)
        assert name in message or all(column in message for column in columns), message
    else:
        assert name in message, message


@contextlib.contextmanager
def violates_unique_field(model: type[models.Model], field: str):
    """Like ``violates`` for a field declared ``unique=True``."""
    column = model._meta.get_field(field).column
    with pytest.raises(IntegrityError) as excinfo, transaction.atomic():
        yield
    assert column in str(excinfo.value), str(excinfo.value)
