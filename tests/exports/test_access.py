"""An export holds only what its user may see, whatever they ask for."""

import pytest

from tests.conftest import page_text
from tests.exports.conftest import download, read_csv, xlsx_dicts

DATASETS = ("responses", "actions", "evidence", "challenges")


def _organisations(client, dataset, **params) -> set[str]:
    rows = read_csv(download(client, dataset=dataset, **params))
    column = "Evidence library" if dataset == "evidence" else "Organisation"
    return {row[column] for row in rows}


def _everything(client, file_format="csv") -> str:
    """Every dataset's file as text, to search for what must not be there."""
    parts = []
    for dataset in DATASETS:
        response = download(client, dataset=dataset, format=file_format)
        assert response.status_code == 200
        if file_format == "csv":
            parts.append(response.get_data().decode("utf-8-sig"))
        else:
            parts.append(repr(xlsx_dicts(response)))
    return "\n".join(parts)


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_another_organisations_draft_never_appears(client, login, world, file_format):
    login("coord@a.test")
    everything = _everything(client, file_format)
    assert "Region A did things" in everything
    assert "SECRET" not in everything
    assert "Region C" not in everything  # submitted, but not theirs


def test_a_coordinator_sees_their_own_draft(client, login, world):
    login("coord@b.test")
    everything = _everything(client)
    assert "SECRET draft narrative of Region B" in everything
    assert "SECRET action of Region B" in everything
    assert "SECRET evidence of Region B" in everything
    assert "Region A did things" not in everything


@pytest.mark.parametrize("dataset", DATASETS)
def test_a_reviewer_sees_only_what_they_are_assigned(client, login, world, dataset):
    login("rev@b.test")
    # Their own organisation's draft included: reviewers never see their own organisation.
    assert _organisations(client, dataset) == {"Region A Safeguarding Board"}


def test_a_reviewer_sees_only_the_linked_evidence_of_their_assignment(client, login, world):
    login("rev@b.test")
    titles = {r["Title"] for r in read_csv(download(client, dataset="evidence"))}
    assert titles == {"Family survey", "Thresholds policy", "Old audit"}  # not "Not used yet"


@pytest.mark.parametrize("role", ["insp@ciw.test", "admin@wales.test"])
def test_inspectors_and_admins_see_everything_submitted(client, login, world, role):
    login(role)
    assert _organisations(client, "responses") == {
        "Region A Safeguarding Board",
        "Region C Safeguarding Board",
    }
    assert "SECRET" not in _everything(client)


def test_a_contributor_sees_their_regions_board(client, login, world):
    login("contrib@a.test")
    assert _organisations(client, "responses") == {"Region A Safeguarding Board"}
    assert "Not used yet" in {r["Title"] for r in read_csv(download(client, dataset="evidence"))}


def test_scope_choices_list_only_what_the_user_may_see(client, login, world):
    login("rev@b.test")
    page = page_text(client.get("/exports/"))
    assert "Region A Safeguarding Board" in page
    assert f'value="organisation-{world["third"].id}"' not in page
    assert f'value="organisation-{world["other"].id}"' not in page  # their own: nothing to see
    assert f'value="region-{world["rsb"].id}"' in page


@pytest.mark.parametrize("user", ["coord@a.test", "rev@b.test", "insp@ciw.test"])
def test_a_scope_the_user_may_not_see_is_not_found(client, login, world, user):
    login(user)
    hidden = world["other"]  # Region B: a draft only
    for scope in (f"organisation-{hidden.id}", f"region-{hidden.id}"):
        for dataset in DATASETS:
            response = download(client, dataset=dataset, scope=scope)
            assert response.status_code == 404, (user, scope, dataset)
            assert "SECRET" not in page_text(response)


def test_an_organisation_scope_narrows_to_it(client, login, world):
    login("insp@ciw.test")
    scope = f"organisation-{world['third'].id}"
    assert _organisations(client, "responses", scope=scope) == {"Region C Safeguarding Board"}
    assert _organisations(client, "evidence", scope=scope) == {"Region C Safeguarding Board"}


def test_a_region_is_its_board_and_its_partners(client, login, world, make_assessment):
    la = world["contributor"].organisation  # LA-A, in Region A
    assessment = make_assessment(organisation=la, cycle=world["cycle"], status="submitted")
    assert assessment.organisation.region_id == world["rsb"].id
    login("insp@ciw.test")
    scope = f"region-{world['rsb'].id}"
    assert _organisations(client, "responses", scope=scope) == {
        "Region A Safeguarding Board",
        la.name,
    }
    page = page_text(client.get("/exports/"))
    assert f'value="region-{world["third"].id}"' in page
    assert f'value="organisation-{la.id}"' in page
