"""The warning before an unused sign-in ends (WCAG 2.2.1), in a real browser. The browser's
clock is moved on; the server's answer to "how long is left?" is shortened to match."""

import json
import re

from tests.e2e.test_start_pages import _sign_in


def _shorten_what_is_left(page, seconds: int) -> list[str]:
    """Answer GET /session with `seconds`; let "Stay signed in" reach the real server."""
    posted = []

    def handle(route):
        if route.request.method == "GET":
            route.fulfill(content_type="application/json", body=json.dumps({"seconds": seconds}))
        else:
            posted.append(route.request.method)
            route.continue_()

    page.route(re.compile(r"/session$"), handle)
    return posted


def test_warning_then_stay_signed_in_with_the_keyboard(page, assert_accessible, snap):
    page.clock.install()
    _sign_in(page, "inspector@ciw.example")
    page.goto("/statements/")
    warning = page.locator("#session-warning")
    assert warning.is_hidden()
    posted = _shorten_what_is_left(page, 100)

    page.clock.run_for("28:05")  # 30 minutes unused, less the 2 minutes' warning
    warning.wait_for(state="visible")
    heading = warning.get_by_role("heading", name="You will be signed out soon")
    assert heading.evaluate("node => node === document.activeElement")
    snap(page, "warning")
    assert_accessible(page)

    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Stay signed in"
    page.keyboard.press("Enter")
    warning.wait_for(state="hidden")
    assert posted == ["POST"]
    assert page.url.endswith("/statements/")  # the page, and anything typed on it, stays


def test_writing_keeps_the_session_without_a_warning(page):
    page.clock.install()
    _sign_in(page, "inspector@ciw.example")
    page.goto("/statements/verify")
    _shorten_what_is_left(page, 100)
    page.locator("textarea, input[type=text]").first.press_sequentially("ab")
    with page.expect_response(
        lambda response: response.request.method == "POST" and "/session" in response.url
    ) as kept:
        page.clock.run_for("28:05")
    assert kept.value.json()["seconds"] > 25 * 60  # the real server's answer
    assert page.locator("#session-warning").is_hidden()


def test_the_end_is_said_with_a_way_to_sign_in_again(page, assert_accessible, snap):
    page.clock.install()
    _sign_in(page, "inspector@ciw.example")
    page.goto("/statements/")
    _shorten_what_is_left(page, 0)
    page.clock.run_for("28:05")
    ended = page.get_by_role("heading", name="You have been signed out")
    ended.wait_for()
    snap(page, "ended")
    assert_accessible(page)
    again = page.get_by_role("link", name="Sign in again")
    assert again.get_attribute("href") == "/login?next=/statements/"
    # This server still has the session (only its answer was shortened): the sign-in page
    # sends a signed-in user straight on to the page they were on.
    again.click()
    page.wait_for_url(re.compile(r"/statements/$"))
