"""Every browser test fails on a Content-Security-Policy refusal (issue #17 point 17): the
shared hook in conftest.py sees what the policy blocks on any page of any test."""

from tests.e2e import conftest


def test_an_inline_style_the_policy_refuses_is_caught(page):
    page.goto("/login")
    page.evaluate("document.body.insertAdjacentHTML('beforeend', '<p style=\"color: red\">x</p>')")
    page.wait_for_function("() => true")
    caught = [r for r in conftest._refusals if "inline style" in r]
    conftest._refusals.clear()  # this test's refusal is made on purpose
    assert caught, "the hook did not see the refusal"
    assert "/login" in caught[0]
