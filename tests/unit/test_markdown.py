"""Markdown narratives keep their http(s) and mailto links, made safe, and nothing else
(issue #17, point 17): tracker.web.render_markdown, used wherever a narrative is shown."""

import pytest

from tracker.extensions import db
from tracker.web import render_markdown

SAFE = 'rel="noopener noreferrer"'


@pytest.mark.parametrize(
    ("source", "href"),
    [
        ("[the audit](https://example.org/audit.pdf)", "https://example.org/audit.pdf"),
        ("[old site](http://example.org/)", "http://example.org/"),
        ("[write to us](mailto:board@example.org)", "mailto:board@example.org"),
        ("<https://example.org/plan>", "https://example.org/plan"),
    ],
)
def test_http_and_mailto_links_are_kept_and_made_safe(source, href):
    html = str(render_markdown(source))
    assert f'<a href="{href}" {SAFE}>' in html


@pytest.mark.parametrize(
    "source",
    [
        "[click](javascript:alert(1))",
        "[click](JaVaScRiPt:alert(1))",
        "[click](java\tscript:alert(1))",
        "[click](&#106;avascript:alert(1))",
        "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "[click](vbscript:msgbox(1))",
        "[click](file:///etc/passwd)",
        "[click](//evil.example/x)",
        "[click](/admin/people)",
        "[click](relative/path)",
        '<a href="javascript:alert(1)">click</a>',
        '<a href="data:text/html,x">click</a>',
    ],
)
def test_every_other_link_loses_its_address_and_keeps_its_words(source):
    html = str(render_markdown(source))
    assert "href" not in html
    assert "click" in html


def test_a_link_keeps_no_attribute_but_its_address():
    html = str(
        render_markdown(
            '<a href="https://example.org" onclick="x()" target="_self" rel="opener" '
            'style="color:red" id="x" title="t">words</a>'
        )
    )
    assert html == f'<p><a href="https://example.org" {SAFE}>words</a></p>'


def test_a_narrative_page_shows_the_link(client, login, region, make_assessment):
    submitted = make_assessment(
        organisation=region["rsb"], cycle=region["cycle"], status="submitted"
    )
    submitted.responses[
        0
    ].narrative = (
        "See [the multi-agency audit](https://example.org/audit) and [this](javascript:alert(1))."
    )
    db.session.commit()
    login("coord@a.test")
    page = client.get(f"/assessments/{submitted.id}/items/A1?lang=en").get_data(as_text=True)
    assert f'<a href="https://example.org/audit" {SAFE}>the multi-agency audit</a>' in page
    assert "javascript:" not in page
