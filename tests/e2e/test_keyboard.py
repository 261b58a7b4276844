"""Journeys with the keyboard only (issue 8, WCAG 2.1.1 and 2.4.7).

No mouse clicks and no ``page.fill``/``page.click``: focus moves with Tab
(and the arrow keys inside a select or a radio group), Enter follows a link
or presses a button, Space ticks a checkbox, and text is typed into the
focused field. Every page starts with a "skip to main content" link as the
first tab stop, and every element that gets the focus must show it.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone, translation

from accounts.models import User
from accounts.tests.authenticators import give_authenticator_app, totp_code
from accounts.tests.factories import TEST_PASSWORD
from referrals.models import ContactMoment, Referral

from .axe import check_a11y

pytestmark = pytest.mark.django_db(transaction=True)

MAX_TABS = 80
# The home page (after logging in, after logging a session).
HOME_URL = r"^https?://[^/]+/(\?.*)?$"

# What the focused element is and whether it shows its focus: the theme's
# focus style is an outline (a box shadow alone is its white inner ring).
_FOCUS = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
  const text = (el.innerText || el.value || "").trim().replace(/\\s+/g, " ").slice(0, 60);
  const name = el.getAttribute("name");
  return {
    description: el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
      + (name ? "[name=" + name + "]" : "") + (text ? " '" + text + "'" : ""),
    isBody: el === document.body,
    visible: outline,
  };
}"""


def nl(label) -> str:
    with translation.override("nl"):
        return translation.gettext(str(label))


def focused(page) -> dict:
    return page.evaluate(_FOCUS)


def is_focused(page, selector: str) -> bool:
    return page.evaluate("(s) => document.activeElement.matches(s)", selector)


def tab_to(page, selector: str, *, max_tabs: int = MAX_TABS) -> None:
    """Press Tab until the element matching ``selector`` has the focus.

    Every element passed on the way must show its focus.
    """
    passed = []
    for _ in range(max_tabs):
        page.keyboard.press("Tab")
        state = focused(page)
        if state["isBody"]:
            passed.append("(end of page)")
            continue
        assert state["visible"], f"focus is not visible on {state['description']} ({page.url})"
        passed.append(state["description"])
        if is_focused(page, selector):
            return
    raise AssertionError(
        f"{selector} not reached with {max_tabs} presses of Tab on {page.url}; passed: "
        + ", ".join(passed)
    )


def skip_to_main(page) -> None:
    """The first tab stop is the skip link; Enter on it puts the focus on <main>."""
    page.keyboard.press("Tab")
    state = focused(page)
    assert is_focused(page, "a.utrecht-skip-link[href='#main']"), (
        f"the first tab stop on {page.url} is {state['description']}, not the skip link"
    )
    assert nl("Skip to main content") in state["description"]
    assert state["visible"], "the skip link does not show its focus"
    assert page.locator("a.utrecht-skip-link").is_visible(), "the focused skip link is hidden"
    page.keyboard.press("Enter")
    assert is_focused(page, "main#main"), "the skip link does not move the focus to <main>"


def type_into(page, selector: str, text: str) -> None:
    tab_to(page, selector)
    page.keyboard.type(text)


def date_order(page) -> str:
    """The order in which this browser's date inputs take their parts ("dmy" or "mdy").

    The order follows the browser's own language, not the page's, so it is
    measured once on a blank page of the same browser context (calibration,
    not part of the journey).
    """
    context = page.context
    if not hasattr(context, "_date_order"):
        probe = context.new_page()
        probe.set_content("<input type=date id=probe>")
        probe.focus("#probe")
        probe.keyboard.type("01022003")
        value = probe.eval_on_selector("#probe", "el => el.value")
        probe.close()
        orders = {"2003-02-01": "dmy", "2003-01-02": "mdy"}
        assert value in orders, f"unknown date input order (typed 01022003, got {value!r})"
        context._date_order = orders[value]
    return context._date_order


def type_date(page, selector: str, date: dt.date) -> None:
    """Type a date into the focused date input, part by part."""
    tab_to(page, selector)
    pattern = "%d%m%Y" if date_order(page) == "dmy" else "%m%d%Y"
    page.keyboard.type(date.strftime(pattern))
    assert page.eval_on_selector(selector, "el => el.value") == date.isoformat()


def choose(page, selector: str, value: str) -> None:
    """Pick an option of a (closed) select with the arrow keys."""
    tab_to(page, selector)
    page.keyboard.press("Home")
    for _ in range(60):
        if page.evaluate("() => document.activeElement.value") == value:
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"option {value!r} of {selector} not reached with the arrow keys")


def pick_radio(page, name: str, value: str) -> None:
    """Tab into a radio group and move to the value with the arrow keys."""
    tab_to(page, f"[name={name}]")
    target = f"[name={name}][value='{value}']"
    for _ in range(20):
        if is_focused(page, target):
            page.keyboard.press("Space")
            break
        page.keyboard.press("ArrowDown")
    assert page.locator(target).is_checked(), f"{target} is not checked"


def press_and_wait(page, key: str, url: str | re.Pattern) -> None:
    """Press ``key`` and wait until the browser is on a new page at ``url``.

    ``url`` is matched without the fragment: after the skip link the address
    ends in ``#main``, and a redirect without a fragment keeps it.
    """
    before = page.url.split("#")[0]
    pattern = re.compile(url) if isinstance(url, str) else url

    def arrived(current: str) -> bool:
        address = current.split("#")[0]
        return address != before and bool(pattern.search(address))

    page.keyboard.press(key)
    page.wait_for_url(arrived, wait_until="load")


def log_in_with_keyboard(page, email: str) -> None:
    """Password, then the authenticator code, by keyboard; ends on the home page."""
    give_authenticator_app(User.objects.get(email=email))
    page.goto("/accounts/login/")
    skip_to_main(page)
    type_into(page, "main [name=login]", email)
    type_into(page, "main [name=password]", TEST_PASSWORD)
    tab_to(page, "main form button[type=submit]")
    press_and_wait(page, "Enter", "/accounts/2fa/authenticate/$")
    skip_to_main(page)
    type_into(page, "main [name=code]", totp_code())
    tab_to(page, "main form button[type=submit]")
    press_and_wait(page, "Enter", HOME_URL)


def test_school_referrer_refers_a_pupil_with_the_keyboard_only(world, browser_page):
    a = world.a
    page = browser_page
    today = timezone.localdate()
    birth = today.replace(year=today.year - 10) - dt.timedelta(days=30)

    log_in_with_keyboard(page, a.school_referrer.email)

    # The menu comes before the skip link's target: Tab through the header.
    page.keyboard.press("Tab")
    assert is_focused(page, "a.utrecht-skip-link")
    tab_to(page, "nav a[href='/aanmeldingen/nieuw/']")
    press_and_wait(page, "Enter", "/aanmeldingen/nieuw/$")

    skip_to_main(page)
    type_into(page, "[name=first_name]", "Jesse")
    type_into(page, "[name=last_name]", "Toetsenbord")
    type_date(page, "[name=date_of_birth]", birth)
    choose(page, "[name=grade]", "6")
    type_into(page, "[name=postcode]", "3533 AB")
    type_into(page, "[name=guardians-0-name]", "Anouk Toetsenbord")
    type_into(page, "[name=guardians-0-phone]", "0612345678")
    type_into(page, "[name=guardians-0-language]", "Nederlands")
    tab_to(page, "[name=guardians-0-interpreter_needed]")
    page.keyboard.press("Space")
    assert page.locator("[name=guardians-0-interpreter_needed]").is_checked()
    type_into(page, "[name=support_what]", "Rekenen: tafels en breuken")
    type_into(page, "[name=support_why]", "Loopt achter sinds de overstap")
    choose(page, "[name=programme]", str(a.programme.pk))
    type_into(page, "[name=consent_given_by]", "Anouk Toetsenbord (moeder)")
    type_date(page, "[name=consent_date]", today)
    pick_radio(page, "consent_method", "written")
    tab_to(page, "button[name=action][value=submit]")
    press_and_wait(page, "Enter", r"/aanmeldingen/(\d+/)?$")

    referral = Referral.objects.get(pupil__first_name="Jesse", pupil__last_name="Toetsenbord")
    assert referral.status == Referral.Status.SUBMITTED
    assert referral.pupil.grade == 6
    assert referral.pupil.date_of_birth == birth
    guardian = referral.pupil.guardians.get()
    assert (guardian.name, guardian.interpreter_needed) == ("Anouk Toetsenbord", True)

    # The new referral is in the list, and its page opens with Enter.
    page.goto("/aanmeldingen/")
    skip_to_main(page)
    tab_to(page, f"main a[href='/aanmeldingen/{referral.pk}/']")
    press_and_wait(page, "Enter", rf"/aanmeldingen/{referral.pk}/$")
    main = page.locator("main").inner_text()
    assert "Jesse Toetsenbord" in main
    assert nl(Referral.Status.SUBMITTED.label) in main


def test_project_leader_logs_a_session_with_the_keyboard_only(world, browser_page):
    a = world.a
    page = browser_page
    match = a.match

    log_in_with_keyboard(page, a.project_leader.email)
    skip_to_main(page)
    tab_to(page, f"main a[data-log-session='{match.pk}']")
    press_and_wait(page, "Enter", rf"/koppelingen/{match.pk}/sessie-vastleggen/$")
    check_a11y(page, "project leader: log a session")

    skip_to_main(page)
    type_into(page, "[name=note]", "Met het toetsenbord vastgelegd: tafels geoefend.")
    tab_to(page, "main form button[type=submit]")
    press_and_wait(page, "Enter", HOME_URL)

    moment = ContactMoment.objects.get(match=match, note__startswith="Met het toetsenbord")
    assert moment.kind == ContactMoment.Kind.SESSION
    assert moment.attendance == ContactMoment.Attendance.HELD
    assert moment.date == timezone.localdate()
    assert moment.logged_by == a.project_leader


def test_a_table_wider_than_a_phone_scrolls_with_the_arrow_keys(world, phone_page):
    """Words in a table stay whole; a table that is then too wide scrolls in its region."""
    a = world.a
    page = phone_page
    log_in_with_keyboard(page, a.volunteer_user.email)
    page.goto(f"/koppelingen/{a.match.pk}/")
    region = page.locator("main .utrecht-table-container[tabindex='0']").first
    assert region.get_attribute("role") == "region"
    caption = region.get_attribute("aria-labelledby")
    assert caption and page.locator(f"[id='{caption}']").inner_text().strip()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390

    skip_to_main(page)
    tab_to(page, "main .utrecht-table-container[tabindex='0']")
    assert region.evaluate("el => el.scrollLeft") == 0
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => document.activeElement.scrollLeft > 0", timeout=2_000)
