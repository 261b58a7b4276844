"""Automated accessibility checks with axe-core in the browser tests.

``check_a11y(page, label)`` runs axe-core (``node_modules/axe-core``, a
devDependency installed by ``make install``) on the page as it is and fails
on any violation of WCAG 2.1 level A or AA, listing each rule with its
impact, the elements it found and where to read more.

The pages send a strict Content Security Policy (``script-src 'self'``), so
an inline script is refused. Rather than switch the policy off for the
browser tests, axe is served at a same-origin address that the browser
context answers itself (``context.route``), and ``page.add_script_tag``
loads it from there: the journeys keep running under the real policy.
"""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
AXE_PATH = ROOT / "node_modules" / "axe-core" / "axe.min.js"
# Never a URL of the application: the browser context answers it from AXE_PATH.
AXE_URL_PATH = "/__tests__/axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

_RUN = """async (tags) => {
  const results = await window.axe.run(document, {
    runOnly: {type: "tag", values: tags},
    resultTypes: ["violations"],
  });
  return results.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    helpUrl: v.helpUrl,
    nodes: v.nodes.map((n) => ({target: n.target, summary: n.failureSummary})),
  }));
}"""


def _serve_axe(page) -> None:
    context = page.context
    if getattr(context, "_axe_routed", False):
        return
    if not AXE_PATH.exists():
        raise AssertionError(f"axe-core is missing at {AXE_PATH}: run `make install`.")
    context.route(
        f"**{AXE_URL_PATH}",
        lambda route: route.fulfill(path=str(AXE_PATH), content_type="application/javascript"),
    )
    context._axe_routed = True


def format_violations(label: str, url: str, violations: list[dict]) -> str:
    lines = [f"{label} ({url}): {len(violations)} accessibility violation(s)"]
    for violation in violations:
        lines.append(
            f"- {violation['id']} [{violation['impact']}]: {violation['help']} "
            f"({violation['helpUrl']})"
        )
        for node in violation["nodes"]:
            target = " ".join(json.dumps(part) for part in node["target"])
            lines.append(f"    at {target}")
            summary = (node.get("summary") or "").strip().replace("\n", "\n      ")
            if summary:
                lines.append(f"      {summary}")
    return "\n".join(lines)


def axe_violations(page) -> list[dict]:
    """The WCAG 2.1 A/AA violations axe-core finds on the page now."""
    _serve_axe(page)
    page.wait_for_load_state()
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(url=AXE_URL_PATH)
    return page.evaluate(_RUN, WCAG_TAGS)


def check_a11y(page, label: str) -> None:
    """Fail when axe-core finds any WCAG 2.1 A or AA violation on the page."""
    violations = axe_violations(page)
    assert not violations, format_violations(label, page.url, violations)
