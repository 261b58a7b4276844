""".env.example lists every environment variable the configuration reads (STYLE.md: Settings).

The reads are found in the source of config/ (the settings modules, config/env.py,
wsgi and celery), so a variable added to the settings without a line in
.env.example fails here.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "config"
# config/env.py's helpers, and django-environ's Env methods (env.str, env.bool, ...).
ENV_HELPERS = {"env_str", "env_list", "env_bool", "env_int", "env_required", "env_url"}
ENV_OBJECTS = {"env"}
LISTED = re.compile(r"^#?\s*([A-Z][A-Z0-9_]*)=", re.MULTILINE)


def _name_argument(call: ast.Call) -> str | None:
    if call.args and isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str):
        return call.args[0].value
    return None


def _is_os_environ(node: ast.expr) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "environ"
        and isinstance(node.value, ast.Name)
        and node.value.id == "os"
    )


def variables_read(source: str) -> set[str]:
    """Names of environment variables read in ``source`` (a Python module)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            func = node.func
            reads = (
                (isinstance(func, ast.Name) and func.id in ENV_HELPERS)
                # env("X"), env.str("X"), ...
                or (isinstance(func, ast.Name) and func.id in ENV_OBJECTS)
                or (
                    isinstance(func, ast.Attribute)
                    and isinstance(func.value, ast.Name)
                    and func.value.id in ENV_OBJECTS
                )
                # os.environ.get("X"), os.environ.setdefault("X", ...), os.getenv("X")
                or (isinstance(func, ast.Attribute) and _is_os_environ(func.value))
                or (
                    isinstance(func, ast.Attribute)
                    and func.attr == "getenv"
                    and isinstance(func.value, ast.Name)
                    and func.value.id == "os"
                )
            )
            name = _name_argument(node) if reads else None
            if name:
                names.add(name)
        elif (  # os.environ["X"]
            isinstance(node, ast.Subscript)
            and _is_os_environ(node.value)
            and isinstance(node.slice, ast.Constant)
            and isinstance(node.slice.value, str)
        ):
            names.add(node.slice.value)
    # Names that are not variables: a helper's own parameter passed on (env.str(name, ...)).
    return {name for name in names if re.fullmatch(r"[A-Z][A-Z0-9_]*", name)}


def test_the_scanner_finds_every_kind_of_read():
    source = """
import os
A = env_str("A_STR")
B = env_url(
    "B_URL", default="", schemes=("https",)
)
C = env.str("C_ENV", default="")
D = os.environ.get("D_OS")
os.environ.setdefault("E_OS", "x")
F = os.environ["F_OS"]
G = os.getenv("G_OS")
H = env.str(name, default="")
"""
    assert variables_read(source) == {"A_STR", "B_URL", "C_ENV", "D_OS", "E_OS", "F_OS", "G_OS"}


def test_env_example_lists_every_variable_config_reads():
    read = set()
    for path in sorted(CONFIG.rglob("*.py")):
        read |= variables_read(path.read_text(encoding="utf-8"))
    listed = set(LISTED.findall((ROOT / ".env.example").read_text(encoding="utf-8")))

    # The scan must see the settings at all: a few that certainly are read.
    assert {"DJANGO_SECRET_KEY", "DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"} <= read
    assert sorted(read - listed) == [], "read in config/ but missing from .env.example"
