"""Published statements are public documents (issue #17, point 18): a page anyone may read,
signed in or not, lists them with their PDFs, fingerprints and versions; drafts, working papers
and versions not yet published stay private."""

import hashlib

import pytest
from sqlalchemy import select

from tests.conftest import csrf_token, page_text
from tests.statements.test_pages import build, publish, wales  # noqa: F401 (fixture)
from tracker.extensions import db
from tracker.models import PublishedStatement, Statement


@pytest.fixture
def published(app, client, login, post, wales):  # noqa: F811
    """A national statement in Welsh and English published twice, edited since; a regional
    draft never published. Then everyone signs out."""
    login("insp@ciw.test")
    national = int(build(post, wales, language="both").headers["Location"].rsplit("/", 1)[1])
    publish(post, national, 1)
    post(f"/statements/{national}/sections/en/review", {"version": 2, "text": "Second words."})
    post(f"/statements/{national}/sections/cy/review", {"version": 3, "text": "Ail eiriau."})
    publish(post, national, 4)
    post(f"/statements/{national}/sections/en/review", {"version": 5, "text": "Not yet public."})
    region = build(post, wales, scope="region", region=wales["rsb"].id)
    draft = int(region.headers["Location"].rsplit("/", 1)[1])
    post(f"/statements/{draft}/sections/en/review", {"version": 1, "text": "Working paper."})
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    return {"national": national, "draft": draft, "public": app.test_client()}


def test_anyone_may_list_published_statements_with_their_versions(published):
    public, national = published["public"], published["national"]
    response = public.get("/statements/published")
    assert response.status_code == 200
    text = page_text(response)
    assert "Progress statement for Wales" in text
    assert "Datganiad cynnydd ar gyfer Cymru" in text  # the Welsh title of a bilingual one
    versions = db.session.scalars(
        select(PublishedStatement).order_by(PublishedStatement.version)
    ).all()
    for v in versions:
        assert v.pdf_sha256 in text
        assert f'href="/statements/{national}/versions/{v.version}.pdf"' in text
        assert f'href="/statements/{national}/versions/{v.version}.html"' in text
    assert "Superseded by version 2" in text and "Current version" in text
    assert "Working paper." not in text and "Not yet public." not in text
    assert "Safeguarding Board region" not in text  # the regional draft is not listed


def test_anyone_may_download_a_published_version_and_its_fingerprint_matches(published):
    public, national = published["public"], published["national"]
    for number in (1, 2):
        pdf = public.get(f"/statements/{national}/versions/{number}.pdf")
        assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
        stored = db.session.scalars(
            select(PublishedStatement).where(PublishedStatement.version == number)
        ).one()
        assert hashlib.sha256(pdf.data).hexdigest() == stored.pdf_sha256
    html = public.get(f"/statements/{national}/versions/2.html")
    assert html.status_code == 200 and "Second words." in page_text(html)
    assert "Not yet public." not in page_text(html)


@pytest.mark.parametrize(
    ("which", "path", "status"),
    [
        ("draft", "/versions/1.pdf", 404),  # a draft has no published version
        ("draft", "/versions/1.html", 404),
        ("national", "/versions/3.pdf", 404),  # edited since version 2: not published
        ("national", "/versions/3.html", 404),
        ("draft", "", 302),  # the builder: sign in first
        ("national", "", 302),
        ("draft", "/preview", 302),  # the working paper
        ("national", "/preview", 302),
        ("national", "/charts/en/status.png", 302),
        ("national", "/sections/en/review", 302),
        ("national", "/publish", 302),
    ],
)
def test_drafts_working_papers_and_unpublished_versions_stay_private(
    published, which, path, status
):
    response = published["public"].get(f"/statements/{published[which]}{path}")
    assert response.status_code == status
    if status == 302:
        assert "/login" in response.headers["Location"]
    assert b"Working paper." not in response.data and b"Not yet public." not in response.data


def test_the_footer_and_the_verification_page_link_to_the_list(published):
    public = published["public"]
    for path in ("/login", "/statements/verify"):
        assert 'href="/statements/published"' in public.get(path).get_data(as_text=True)


def test_the_list_reads_in_welsh(published):
    text = page_text(published["public"].get("/statements/published?lang=cy"))
    assert '<html lang="cy"' in text and "Datganiad cynnydd ar gyfer Cymru" in text


def test_a_statement_with_no_published_version_is_never_listed(published):
    db.session.expire_all()
    assert db.session.get(Statement, published["draft"]).versions == []
    assert "Region A" not in page_text(published["public"].get("/statements/published"))
