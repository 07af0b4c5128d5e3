"""Building, editing, publishing and verifying statements through the pages, reading the PDF
back as a reader would."""

import hashlib
import io
import re

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from tests.conftest import csrf_token, page_text
from tracker.extensions import db
from tracker.models import Assessment, PublishedStatement, Response, Statement
from tracker.statements.document import chart_keys

WELSH_NAME = "Bwrdd Diogelu Gŵyl Ŷ"


@pytest.fixture
def wales(people, submitted, make_assessment):
    """Region A submitted (A1 3, A2 2, B1 1); Region B, with a Welsh name, submitted too."""
    people["other"].name_cy = WELSH_NAME
    second = make_assessment(
        organisation=people["other"], cycle=people["cycle"], status="in_review"
    )
    for response, score in zip(second.responses, (3, 1, 0), strict=True):
        response.self_score, response.narrative = score, "Done."
    db.session.commit()
    return people


def build(post, wales, scope="national", language="en", **extra):
    data = {
        "scope": scope,
        "framework": wales["framework"].id,
        "cycle": wales["cycle"].id,
        "language": language,
        **extra,
    }
    return post("/statements/new", data)


@pytest.fixture
def statement(login, post, wales):
    login("insp@ciw.test")
    response = build(post, wales)
    assert response.status_code == 302, page_text(response)
    return db.session.get(Statement, int(response.headers["Location"].rsplit("/", 1)[1]))


def publish(post, statement_id: int, version: int, **extra):
    """Confirm publishing on the page that says what it does."""
    return post(
        f"/statements/{statement_id}/publish",
        {"version": version, **extra},
        page=f"/statements/{statement_id}/publish",
    )


def shows(text: str, label: str, value: int) -> bool:
    """Whether the PDF's figures table gives `label` the number `value` (a label may wrap)."""
    words = r"\s+".join(map(re.escape, label.split()))
    return re.search(rf"{words}\s+{value}\b", text) is not None


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def scored_in_database() -> int:
    reported = select(Assessment.id).where(
        Assessment.status.in_(("submitted", "in_review", "concluded"))
    )
    return db.session.scalar(
        select(func.count(Response.id)).where(
            Response.assessment_id.in_(reported), Response.self_score.is_not(None)
        )
    )


def claims_in_database() -> int:
    from tracker.models import Framework

    threshold = db.session.scalar(select(Framework.required_from))
    reported = select(Assessment.id).where(
        Assessment.status.in_(("submitted", "in_review", "concluded"))
    )
    return db.session.scalar(
        select(func.count(Response.id)).where(
            Response.assessment_id.in_(reported), Response.self_score >= threshold
        )
    )


def test_build_edit_publish_download_and_verify(client, post, statement, any_store):
    page = page_text(client.get(f"/statements/{statement.id}"))
    # No evidence is linked and no score validated: nothing may be called notable progress.
    assert "No progress is called notable yet" in page
    assert "notable progress in thresholds" not in page
    assert "However, challenges remain in training and auditing." in page

    edited = post(
        f"/statements/{statement.id}/sections/en/progress",
        {"version": 1, "text": "Partners told us about Gŵyl Ŷ.\n\nA second paragraph."},
    )
    assert edited.status_code == 302
    page = page_text(client.get(f"/statements/{statement.id}"))
    assert "Partners told us about Gŵyl Ŷ." in page and "Edited" in page

    body = publish(post, statement.id, 2).get_data(as_text=True)
    assert "Printing the PDF" in body and "Version 1 is published" in body
    published = db.session.scalars(select(PublishedStatement)).one()
    assert (published.version, published.statement_id, published.language) == (
        1,
        statement.id,
        "en",
    )

    download = client.get(f"/statements/{statement.id}/versions/1.pdf")
    assert download.status_code == 200
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert hashlib.sha256(download.data).hexdigest() == published.pdf_sha256
    assert published.pdf_size == len(download.data)

    text = pdf_text(download.data)
    assert "Partners told us about Gŵyl Ŷ." in text  # the edit, Welsh letters intact
    assert "Region A Safeguarding Board" in text and "Region B Safeguarding Board" in text
    assert shows(text, "Responses scored", scored_in_database())
    assert shows(text, "Self-assessments submitted", 2)
    # No evidence is linked, so every score from the rule's threshold up is a claim.
    assert shows(text, "Claims beyond evidence", claims_in_database())
    assert "Page 1 / " in text and "Contents" in text

    frozen = client.get(f"/statements/{statement.id}/versions/1.html")
    assert "Partners told us about Gŵyl Ŷ." in page_text(frozen)
    assert "data:image/png;base64," in frozen.get_data(as_text=True)  # charts inside, frozen
    assert hashlib.sha256(frozen.data).hexdigest() == published.html_sha256


def test_the_verification_page_knows_a_published_pdf_and_refuses_a_changed_one(
    app, client, post, statement
):
    publish(post, statement.id, 1)
    pdf = client.get(f"/statements/{statement.id}/versions/1.pdf").data
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    public = app.test_client()  # nobody signed in: the page is public

    def check(**data):
        token = csrf_token(public, "/statements/verify")
        return public.post(
            "/statements/verify",
            data={**data, "csrf_token": token},
            content_type="multipart/form-data",
        )

    found = check(pdf=(io.BytesIO(pdf), "statement.pdf"))
    assert found.status_code == 200
    assert "This is a published statement" in page_text(found)
    assert "Progress statement for Wales" in page_text(found)

    changed = bytearray(pdf)
    changed[len(changed) // 2] ^= 0x01
    refused = check(pdf=(io.BytesIO(bytes(changed)), "statement.pdf"))
    assert "Not recognised" in page_text(refused)
    assert "This is a published statement" not in page_text(refused)

    pasted = check(sha256=hashlib.sha256(pdf).hexdigest().upper())
    assert "This is a published statement" in page_text(pasted)

    assert check(sha256="not a fingerprint").status_code == 400
    nothing = check()
    assert nothing.status_code == 400
    assert "Choose a PDF, or paste its SHA-256 fingerprint" in page_text(nothing)


def test_a_published_version_never_changes_and_a_new_edit_makes_a_new_version(
    client, post, statement
):
    publish(post, statement.id, 1)
    first = db.session.scalars(select(PublishedStatement)).one()
    original = (first.pdf_sha256, first.html)

    post(
        f"/statements/{statement.id}/sections/en/next_steps", {"version": 2, "text": "More to do."}
    )
    page = page_text(client.get(f"/statements/{statement.id}"))
    assert "Edited since publishing" in page and "Publish version 2" in page
    assert "Version 2 is published" in publish(post, statement.id, 3).get_data(as_text=True)

    versions = db.session.scalars(
        select(PublishedStatement).order_by(PublishedStatement.version)
    ).all()
    assert [v.version for v in versions] == [1, 2]
    assert (versions[0].pdf_sha256, versions[0].html) == original
    assert "More to do." in pdf_text(client.get(f"/statements/{statement.id}/versions/2.pdf").data)
    assert "More to do." not in pdf_text(
        client.get(f"/statements/{statement.id}/versions/1.pdf").data
    )

    versions[0].html = "tampered"
    with pytest.raises(ValueError, match="frozen"):
        db.session.flush()
    db.session.rollback()


def test_a_welsh_and_english_statement_prints_both_with_welsh_names(client, post, login, wales):
    login("insp@ciw.test")
    created = build(post, wales, language="both")
    statement_id = int(created.headers["Location"].rsplit("/", 1)[1])
    post(
        f"/statements/{statement_id}/sections/cy/progress",
        {"version": 1, "text": "Bu cynnydd nodedig yng Ngŵyl Ŷ."},
    )
    # The English was not changed to match: publishing asks, and is confirmed.
    publish(post, statement_id, 2, differences="publish")
    text = pdf_text(client.get(f"/statements/{statement_id}/versions/1.pdf").data)
    assert "Bu cynnydd nodedig yng Ngŵyl Ŷ." in text
    assert WELSH_NAME in text  # the Welsh part names the board in Welsh
    assert "Region B Safeguarding Board" in text  # and the English part in English
    assert text.index("Fframwaith prawf") < text.index("Test framework")  # Welsh first


def test_a_section_naming_files_prints_with_only_the_trackers_fonts_and_charts(
    client, post, statement, reads
):
    asked, own = reads
    text = (
        "Gŵyl Ŷ in our words.\n\n"
        '<img src="file:///etc/passwd"> ![meta](http://169.254.169.254/latest/meta-data/)\n\n'
        '<p style="background-image: url(/etc/passwd)">Styled</p>'
    )
    post(f"/statements/{statement.id}/sections/en/progress", {"version": 1, "text": text})
    publish(post, statement.id, 2)
    download = client.get(f"/statements/{statement.id}/versions/1.pdf")
    assert download.status_code == 200
    assert set(asked) == own  # DejaVu, regular and bold; the section's addresses never asked for
    reader = PdfReader(io.BytesIO(download.data))
    assert "Gŵyl Ŷ in our words." in pdf_text(download.data)
    fonts = {
        str(font["/BaseFont"])
        for page in reader.pages
        for font in page["/Resources"].get("/Font", {}).values()
    }
    assert any("DejaVuSans" in name for name in fonts), fonts
    images = sum(len(page.images) for page in reader.pages)
    assert images == len(chart_keys(statement)), images  # the charts, drawn inline, still print


def test_publishing_a_stale_version_is_refused_and_nothing_is_recorded(client, post, statement):
    post(f"/statements/{statement.id}/sections/en/review", {"version": 1, "text": "New."})
    refused = publish(post, statement.id, 1)
    assert refused.status_code == 409
    assert "changed since you opened it" in page_text(refused)
    assert db.session.scalar(select(func.count(PublishedStatement.id))) == 0


def test_a_fault_while_printing_records_nothing_and_says_so(monkeypatch, client, post, statement):
    from tracker.statements import pdf

    def broken(_html):
        raise pdf.PdfFailed("the renderer fell over")

    monkeypatch.setattr(pdf, "render", broken)
    body = publish(post, statement.id, 1).get_data(as_text=True)
    assert "could not be published because of a fault" in body
    assert db.session.scalar(select(func.count(PublishedStatement.id))) == 0
    db.session.expire_all()
    assert db.session.get(Statement, statement.id).status == "draft"


def test_editing_in_place_returns_the_section_and_the_new_version(client, post, statement):
    response = post(
        f"/statements/{statement.id}/sections/en/headline",
        {"version": 1, "text": "Our headline."},
        headers={"HX-Request": "true"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Our headline." in html
    assert 'id="statement-status" hx-swap-oob="innerHTML"' in html
    form = client.get(
        f"/statements/{statement.id}/sections/en/headline", headers={"HX-Request": "true"}
    )
    assert "<html" not in form.get_data(as_text=True) and "Our headline." in page_text(form)


def test_emptying_a_section_goes_back_to_the_drafted_text(client, post, statement):
    post(f"/statements/{statement.id}/sections/en/progress", {"version": 1, "text": "Mine."})
    post(f"/statements/{statement.id}/sections/en/progress", {"version": 2, "text": "  "})
    page = page_text(client.get(f"/statements/{statement.id}"))
    assert "Mine." not in page and "No progress is called notable yet" in page


def test_a_stale_edit_keeps_the_text_and_saves_nothing(client, post, statement):
    post(f"/statements/{statement.id}/sections/en/progress", {"version": 1, "text": "First."})
    stale = post(
        f"/statements/{statement.id}/sections/en/progress", {"version": 1, "text": "Second."}
    )
    assert stale.status_code == 409
    assert "Someone else changed this statement" in page_text(stale)
    assert "Second." in page_text(stale)
    db.session.expire_all()
    assert db.session.get(Statement, statement.id).sections["en"]["progress"] == "First."


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/sections/en/nonsense", 404),
        ("/sections/cy/progress", 404),  # an English-only statement
        ("/charts/en/nonsense.png", 404),
        ("/charts/cy/status.png", 404),
        ("/versions/1.pdf", 404),
        ("/versions/99.html", 404),
    ],
)
def test_what_does_not_exist_is_not_found(client, statement, path, status):
    assert client.get(f"/statements/{statement.id}{path}").status_code == status


def test_charts_are_images_with_their_figures_on_the_page(client, statement):
    chart = client.get(f"/statements/{statement.id}/charts/en/status.png")
    assert chart.status_code == 200 and chart.data.startswith(b"\x89PNG")
    preview = client.get(f"/statements/{statement.id}/preview")
    html = preview.get_data(as_text=True)
    assert f"/statements/{statement.id}/charts/en/heat_map.png" in html
    assert 'alt="Heat map of the scores of 2 organisations on 3 items' in html
    assert "Draft: not published." in page_text(preview)


def test_text_that_is_too_long_is_refused_with_a_message(post, statement):
    response = post(
        f"/statements/{statement.id}/sections/en/progress", {"version": 1, "text": "x" * 6001}
    )
    assert response.status_code == 400
    assert "6,000 characters or fewer" in page_text(response)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"scope": "region"}, "Choose the region"),
        ({"scope": "organisation"}, "Choose the organisation"),
        ({"scope": "elsewhere"}, "Not a valid choice"),
        ({"language": "fr"}, "Not a valid choice"),
        ({"framework": "999999"}, "Not a valid choice"),
        ({"cycle": "abc"}, "Not a valid choice"),
    ],
)
def test_bad_choices_when_building_say_what_is_wrong(login, post, wales, extra, message):
    login("insp@ciw.test")
    response = build(post, wales, **extra)
    assert response.status_code == 400
    assert message in page_text(response)
    assert db.session.scalar(select(func.count(Statement.id))) == 0


def test_a_region_must_be_named_by_its_board(login, post, wales):
    login("insp@ciw.test")
    la = wales["contributor"].organisation
    response = build(post, wales, scope="region", region=la.id)
    assert response.status_code == 400
    assert db.session.scalar(select(func.count(Statement.id))) == 0
    region = build(post, wales, scope="region", region=wales["rsb"].id)
    assert region.status_code == 302


def test_who_may_build_and_who_may_read(client, login, post, statement, wales):
    path = f"/statements/{statement.id}"

    def switch(email):
        client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
        login(email)

    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert client.get("/statements/").status_code == 302  # sign in first

    login("coord@a.test")
    assert f'href="{path}"' not in client.get("/statements/").get_data(as_text=True)
    assert client.get("/statements/new").status_code == 403
    assert client.get(path).status_code == 404  # a draft is the inspectors' working paper
    assert client.get(f"{path}/preview").status_code == 404
    assert client.get(f"{path}/charts/en/status.png").status_code == 404

    switch("insp@ciw.test")
    publish(post, statement.id, 1)
    switch("coord@a.test")
    assert f'href="{path}"' in client.get("/statements/").get_data(as_text=True)
    page = client.get(path)
    assert page.status_code == 200 and "Publish version" not in page_text(page)
    assert client.get(f"{path}/versions/1.pdf").status_code == 200
    assert client.get(f"{path}/sections/en/progress").status_code == 403
    assert publish(post, statement.id, 2).status_code in (400, 403)


def test_the_demo_data_holds_a_national_statement_published_in_welsh_and_english(demo):
    from tracker.statements import queries

    published = db.session.scalars(select(PublishedStatement)).one()
    assert published.statement.scope == "national" and published.language == "both"
    with queries.open_pdf(published) as stored:
        data = stored.read()
    assert hashlib.sha256(data).hexdigest() == published.pdf_sha256
    text = pdf_text(data)
    assert "Bwrdd Diogelu Gwent" in text and "Gwent Safeguarding Board" in text
    assert "Bydd AGC, AGIC ac Estyn yn cwrdd â phob bwrdd" in text


def test_the_figures_carry_each_organisations_score_of_the_last_cycle(
    make_assessment, make_cycle, wales
):
    from datetime import date

    from tracker.statements import queries

    earlier = make_cycle("2025–26", 2025)
    older = make_cycle("2024–25", 2024)
    for cycle, scores, status in (
        (earlier, (1, 0, None), "concluded"),
        (older, (3, 3, 3), "concluded"),
    ):
        last = make_assessment(organisation=wales["rsb"], cycle=cycle, status=status)
        for response, score in zip(last.responses, scores, strict=True):
            response.self_score = score
    unsent = make_assessment(organisation=wales["other"], cycle=earlier)  # a draft: private
    unsent.responses[0].self_score = 3
    db.session.commit()
    data = queries.gather("national", None, wales["framework"], wales["cycle"], date(2026, 12, 1))
    previous = {(r.organisation_id, r.item_key): r.previous_score for r in data.rows}
    a, b = wales["rsb"].id, wales["other"].id
    assert previous == {
        (a, "A1"): 1,
        (a, "A2"): 0,
        (a, "B1"): None,
        (b, "A1"): None,
        (b, "A2"): None,
        (b, "B1"): None,
    }


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "in place"])
def test_a_refused_section_shows_the_error_summary_on_both_paths(post, statement, htmx):
    response = post(
        f"/statements/{statement.id}/sections/en/progress",
        {"version": 1, "text": "x" * 6001},
        headers={"HX-Request": "true"} if htmx else None,
    )
    html = page_text(response)
    assert response.status_code == 400
    assert html.count('class="govuk-error-summary"') == 1
    assert "There is a problem" in html
    assert 'href="#text-en-progress">The text must be 6,000 characters or fewer' in html
    assert ("<html" in html) is not htmx
