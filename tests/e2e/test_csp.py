"""Every browser test fails on a Content-Security-Policy refusal (issue #17 point 17): the
shared hook in conftest.py sees what the policy blocks on any page of any test."""

import re

from tests.e2e import conftest
from tests.e2e.test_start_pages import _sign_in


def test_an_inline_style_the_policy_refuses_is_caught(page):
    page.goto("/login")
    page.evaluate("document.body.insertAdjacentHTML('beforeend', '<p style=\"color: red\">x</p>')")
    page.wait_for_function("() => true")
    caught = [r for r in conftest._refusals if "inline style" in r]
    conftest._refusals.clear()  # this test's refusal is made on purpose
    assert caught, "the hook did not see the refusal"
    assert "/login" in caught[0]


def test_htmx_never_writes_a_style_attribute(page):
    """htmx carries an element's attributes across a swap ("settling"); were `style` among
    them, a style that a browser extension, autofill or a test tool left on an element would
    be written back by script, and refused. The builder's Edit link swaps a section in place."""
    _sign_in(page, "inspector@ciw.example")
    page.goto("/statements/1")
    section = page.locator(".app-statement-section").first
    # What such a tool leaves behind: an empty style attribute, set through the CSSOM.
    section.evaluate("(el) => { el.style.outline = '1px solid'; el.style.outline = ''; }")
    section.get_by_role("link", name=re.compile("^Edit")).click()
    page.locator(".app-statement-section textarea").first.wait_for()
    assert not conftest._refusals, conftest._refusals
