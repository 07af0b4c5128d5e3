"""Welsh, bad inputs, and a fixed number of queries whatever the size of the export."""

import pytest

from tests.assessments.test_access_and_queries import _count_queries, _framework_with
from tests.conftest import page_text
from tests.exports.conftest import PAST, add_challenge, add_evidence, download, read_csv
from tracker.extensions import db
from tracker.models import Action, ReviewAssignment

# --- Welsh ---------------------------------------------------------------------------------------


def test_welsh_names_and_headers_with_lang_cy(client, login, world):
    login("coord@a.test")
    response = client.get(
        "/exports/download",
        query_string={"dataset": "responses", "scope": "all", "format": "csv", "lang": "cy"},
    )
    rows = read_csv(response)
    a1 = rows[0]
    # Headers and words from the Welsh catalogue; names in their Welsh form.
    assert a1["Naratif"] == "Region A did things, scored 3."
    assert a1["Sgôr wedi'i dilysu"] == "2"
    assert a1["Honiad y tu hwnt i'r dystiolaeth"] == "Ie"
    assert a1["Sefydliad"] == "Bwrdd Diogelu Rhanbarth A"  # the organisation's Welsh name
    assert "Fframwaith prawf" in a1.values() and "Adran gyntaf" in a1.values()
    assert "Yn cael ei adolygu" in a1.values()  # "In review"
    # The Welsh bytes survive: UTF-8 with a byte-order mark, so Excel reads ŵ and ŷ.
    assert response.get_data().startswith(b"\xef\xbb\xbf")


def test_welsh_from_the_users_account(client, login, world):
    world["coordinator"].locale = "cy"
    world["rsb"].name_cy = "Bwrdd Gŵyl Ŷ"
    db.session.commit()
    login("coord@a.test")
    response = download(client, dataset="evidence", format="csv")
    rows = read_csv(response)
    assert rows[0]["Teitl"] and rows[0]["Llyfrgell dystiolaeth"] == "Bwrdd Gŵyl Ŷ"
    assert "Gŵyl Ŷ".encode() in response.get_data()
    page = page_text(client.get("/exports/"))
    assert 'lang="cy"' in page and "Bwrdd Gŵyl Ŷ" in page and "Allforio data" in page


# --- bad inputs ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params, field",
    [
        ({"dataset": "passwords"}, "dataset-0"),
        ({"dataset": ""}, "dataset-0"),
        ({"format": "pdf"}, "format-0"),
        ({"format": ""}, "format-0"),
        ({"framework": "abc"}, "framework"),
        ({"framework": "1; DROP TABLE"}, "framework"),
        ({"cycle": "-1"}, "cycle"),
        ({"cycle": "1.5"}, "cycle"),
        ({"scope": "organisation-abc"}, "scope"),
        ({"scope": "region-"}, "scope"),
        ({"scope": "everything"}, "scope"),
        ({"scope": ""}, "scope"),
    ],
)
def test_bad_choices_show_the_form_with_an_error_summary(client, login, world, params, field):
    login("coord@a.test")
    response = download(client, **params)
    assert response.status_code == 400
    shown = page_text(response)
    assert "There is a problem" in shown and f'href="#{field}"' in shown
    assert "<title>Error:" in shown


@pytest.mark.parametrize(
    "params",
    [
        {"framework": "99999"},
        {"framework": "0"},
        {"cycle": "99999"},
        {"cycle": "999999999999"},
        {"scope": "organisation-99999"},
        {"scope": "organisation-999999999999"},
        {"scope": "region-99999"},
        {"scope": "region-0"},
    ],
)
def test_unknown_ids_are_not_found(client, login, world, params):
    login("coord@a.test")
    assert download(client, **params).status_code == 404


def test_a_region_must_be_a_board(client, login, world, make_assessment):
    la = world["contributor"].organisation
    make_assessment(organisation=la, cycle=world["cycle"], status="submitted")
    login("insp@ciw.test")
    assert download(client, scope=f"organisation-{la.id}").status_code == 200
    assert download(client, scope=f"region-{la.id}").status_code == 404


def test_missing_choices_are_errors_not_crashes(client, login, world):
    login("coord@a.test")
    response = client.get("/exports/download")
    assert response.status_code == 400
    assert "Choose what to export" in page_text(response)


# --- queries -------------------------------------------------------------------------------------


def _fill(world, framework, n_items, make_assessment, make_cycle):
    """An assessment in review by the world's reviewer: every item scored, with two actions,
    a piece of evidence, and (every other item) a challenge."""
    assessment = make_assessment(
        organisation=world["rsb"],
        cycle=make_cycle(f"C-{n_items}", 2000 + n_items),
        framework=framework,
        status="in_review",
    )
    assessment.assignments.append(
        ReviewAssignment(reviewer_id=world["reviewer"].id, assigned_by_id=world["admin"].id)
    )
    for n, response in enumerate(assessment.responses):
        response.self_score, response.narrative = 2, f"Text {n}"
        response.actions = [Action(description=f"a{i}", owner="BM", due_on=PAST) for i in (1, 2)]
    db.session.commit()
    for n, response in enumerate(assessment.responses):
        kind = ("voice", "data", "audit")[n % 3]
        add_evidence(world["rsb"], world["coordinator"], f"E{n}", kind, world["other"], [response])
        if n % 2:
            add_challenge(response, world["reviewer"], f"Why {n}?", due_on=PAST)


@pytest.mark.parametrize("user", ["coord@a.test", "contrib@a.test", "rev@b.test", "insp@ciw.test"])
def test_exports_make_a_fixed_number_of_queries(
    tmp_path, client, login, world, make_assessment, make_cycle, user
):
    login(user)
    counts = {}
    for n_items, key in ((8, "small"), (40, "large")):
        framework = _framework_with(tmp_path, n_items, key)
        _fill(world, framework, n_items, make_assessment, make_cycle)
        counts[n_items] = [
            _count_queries(client, f"/exports/download?dataset={d}&scope={s}&format={f}")
            for d in ("responses", "actions", "evidence", "challenges")
            for f in ("csv", "xlsx")
            for s in ("all", f"region-{world['rsb'].id}")
        ]
    assert counts[8] == counts[40], counts
    assert max(counts[40]) <= 20, counts
