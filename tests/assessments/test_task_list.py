"""The task list speaks of tasks in the GOV.UK task list's words, apart from the scale's
words for how far the work has got (issue #17 point 9)."""

import re

import pytest

from tests.conftest import page_text
from tracker.extensions import db

STATUS_CELL = re.compile(
    r'<div class="govuk-task-list__status" id="status-(\w+)">\s*(.*?)\s*</div>', re.S
)


def statuses(html: str) -> dict[str, str]:
    """Each item's task status as shown, tags stripped."""
    return {key: re.sub(r"<[^>]+>", "", cell).strip() for key, cell in STATUS_CELL.findall(html)}


@pytest.mark.parametrize(
    ("lang", "words"),
    [("en", ("Completed", "In progress", "Not yet started"))],
)
def test_task_statuses_have_their_own_words(client, login, draft, lang, words):
    a1, a2 = sorted(draft.responses, key=lambda r: r.item.key)[:2]
    a1.self_score, a1.narrative = 0, "Nothing yet, and we say so."  # scale label "Not started"
    a2.self_score = 2  # scale label "In progress", no narrative yet
    db.session.commit()
    login("coord@a.test")
    html = page_text(client.get(f"/assessments/{draft.id}?lang={lang}"))
    assert statuses(html) == dict(zip(("A1", "A2", "B1"), words, strict=True))
    # The scale's own words stay with the score, labelled as a score.
    assert "0 · Not started" in html and "2 · In progress" in html
    assert 'class="govuk-task-list"' in html


def test_the_not_started_status_is_not_the_scales_not_started(client, login, draft):
    login("coord@a.test")
    html = page_text(client.get(f"/assessments/{draft.id}"))
    assert set(statuses(html).values()) == {"Not yet started"}
