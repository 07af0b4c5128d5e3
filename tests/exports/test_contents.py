"""What each export holds, read back as a spreadsheet program would read it."""

from datetime import datetime

import pytest

from tests.conftest import page_text
from tests.exports.conftest import PAST, download, read_csv, read_xlsx, xlsx_dicts
from tracker import clock


@pytest.fixture
def coordinator(client, login, world):
    login("coord@a.test")
    return world


def test_the_page_offers_every_dataset_and_format(client, coordinator):
    page = client.get("/exports/")
    assert page.status_code == 200
    text = page_text(page)
    for label in ("Responses", "Improvement actions", "Evidence", "Challenges", "Excel"):
        assert label in text
    assert 'href="/exports/"' in text and "aria-current" in text  # the menu entry, current
    form = text[text.index('<form method="get" action="/exports/download"') :]
    assert "csrf_token" not in form[: form.index("</form>")]  # a plain GET form


def test_signing_in_is_needed(client, world):
    response = client.get("/exports/download?dataset=responses&scope=all&format=csv")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_responses_as_csv(client, coordinator):
    response = download(client, dataset="responses", format="csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"  # charset once
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Disposition"] == "attachment; filename=responses.csv"
    rows = read_csv(response)
    assert [r["Item"] for r in rows] == ["A1", "A2", "B1"]
    a1 = rows[0]
    assert a1 == {
        "Organisation": "Region A Safeguarding Board",
        "Framework": "Test framework",
        "Cycle": "2026–27",
        "Assessment status": "In review",
        "Section": "First section",
        "Item": "A1",
        "Theme": "thresholds",
        "Organisation's score": "3",
        "Organisation's score (label)": "Implemented",
        "Validated score": "2",
        "Validated score (label)": "In progress",
        # Two kinds from two sources (the withdrawn audit does not count): short of 3 kinds.
        "Triangulation": "Partly triangulated",
        "Claim beyond evidence": "Yes",
        "Narrative": "Region A did things, scored 3.",
        "How impact will be measured": "Dip sample of 40 contacts",
        "Evidence items": "2",
    }
    assert rows[2]["Claim beyond evidence"] == "No"  # scored 1, below the rule's 2
    assert rows[2]["Triangulation"] == "No evidence" and rows[2]["Validated score"] == ""


def test_responses_as_xlsx_keep_numbers_as_numbers(client, coordinator):
    response = download(client, dataset="responses", format="xlsx")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    assert response.headers["Content-Disposition"] == "attachment; filename=responses.xlsx"
    rows = xlsx_dicts(response)
    a1 = rows[0]
    assert a1["Organisation's score"] == 3 and isinstance(a1["Organisation's score"], int)
    assert a1["Validated score"] == 2 and a1["Evidence items"] == 2
    assert rows[2]["Validated score"] is None
    assert a1["Narrative"] == "Region A did things, scored 3."


def test_actions_with_dates_and_overdue(client, coordinator):
    rows = read_csv(download(client, dataset="actions"))
    assert [(r["Action"], r["Status"], r["Overdue"]) for r in rows] == [
        ("Refresh the guidance", "Not started", "Yes"),
        ("Run workshops", "Done", "No"),
    ]
    assert rows[0]["Due"] == PAST.isoformat() and rows[0]["Completed on"] == ""
    assert rows[1]["Owner"] == "Training lead" and rows[1]["Completed on"] == PAST.isoformat()
    sheet_rows = xlsx_dicts(download(client, dataset="actions", format="xlsx"))
    due = sheet_rows[0]["Due"]
    assert isinstance(due, datetime) and due.date() == PAST  # a real date cell


def test_evidence_list(client, coordinator):
    rows = read_csv(download(client, dataset="evidence"))
    by_title = {r["Title"]: r for r in rows}
    assert set(by_title) == {"Family survey", "Thresholds policy", "Old audit", "Not used yet"}
    survey = by_title["Family survey"]
    assert survey["Kind"] == "Voice"
    assert survey["Evidence library"] == "Region A Safeguarding Board"
    assert survey["Comes from"] == "Region B Safeguarding Board"
    assert survey["Linked items"] == "A1 (test-framework, 2026–27)"
    assert survey["Number of linked items"] == "1"
    assert survey["Withdrawn"] == "No" and survey["Added by"] == "User 1"
    assert survey["File or web address"] == "https://example.org/e"
    audit = by_title["Old audit"]
    assert audit["Withdrawn"] == "Yes" and audit["Reason for withdrawal"] == "Superseded"
    assert audit["Withdrawn on"] == clock.today().isoformat()
    assert by_title["Not used yet"]["Linked items"] == ""


def test_evidence_for_a_framework_or_cycle_is_what_is_linked_to_it(client, coordinator):
    world = coordinator
    rows = read_csv(download(client, dataset="evidence", cycle=world["cycle"].id))
    assert "Not used yet" not in {r["Title"] for r in rows}
    assert len(rows) == 3


def test_evidence_file_hash(client, coordinator):
    from tests.exports.conftest import add_evidence

    world = coordinator
    add_evidence(
        world["rsb"],
        world["coordinator"],
        "Minutes",
        "document",
        world["rsb"],
        url=None,
        sha256="ab" * 32,
        filename="minutes.pdf",
    )
    rows = read_csv(download(client, dataset="evidence"))
    minutes = next(r for r in rows if r["Title"] == "Minutes")
    assert minutes["SHA-256"] == "ab" * 32 and minutes["File or web address"] == "minutes.pdf"


def test_challenges(client, coordinator):
    rows = read_csv(download(client, dataset="challenges"))
    assert len(rows) == 1
    row = rows[0]
    assert row["Item"] == "A1" and row["Raised by"] == "Rhian Reviewer"
    assert row["Raised by (organisation)"] == "Region B Safeguarding Board"
    assert row["Raised on"] == clock.today().isoformat()
    assert row["Question"] == "What shows practice changed?"
    assert row["Status"] == "Waiting for an answer" and row["Overdue"] == "Yes"
    assert row["Outcome"] == "" and row["Proposed score"] == "2"
    assert row["Proposed score (label)"] == "In progress" and row["Messages"] == "1"
    sheet = xlsx_dicts(download(client, dataset="challenges", format="xlsx"))[0]
    assert sheet["Proposed score"] == 2 and sheet["Messages"] == 1
    assert isinstance(sheet["Raised on"], datetime)


def test_the_workbook_is_tidy(client, coordinator):
    from io import BytesIO

    from openpyxl import load_workbook

    response = download(client, dataset="responses", format="xlsx")
    sheet = load_workbook(BytesIO(response.get_data())).active
    assert sheet.title == "Responses"
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:P4"
    assert sheet["A1"].font.bold
    headers, _rows = read_xlsx(response)
    assert headers[0] == "Organisation"


@pytest.mark.parametrize(
    "params, name",
    [
        ({}, "responses.csv"),
        ({"dataset": "actions", "format": "xlsx"}, "actions.xlsx"),
        ({"scope": "organisation", "framework": True, "cycle": True}, None),
        ({"scope": "region"}, "responses-region-rsb-a.csv"),
    ],
)
def test_file_names_say_what_they_hold(client, coordinator, params, name):
    world = coordinator
    if params.get("scope") == "organisation":
        params = {
            "scope": f"organisation-{world['rsb'].id}",
            "framework": world["framework"].id,
            "cycle": world["cycle"].id,
        }
        name = "responses-rsb-a-test-framework-2026-27.csv"
    elif params.get("scope") == "region":
        params = {"scope": f"region-{world['rsb'].id}"}
    response = download(client, **params)
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == f"attachment; filename={name}"
