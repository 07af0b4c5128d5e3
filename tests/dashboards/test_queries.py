"""Dashboard figures read from the database: grouping, flags, open work, trends, calibration,
and never another organisation's draft."""

import pytest

from tests.dashboards.conftest import TODAY, scores
from tracker.dashboards import comparisons, figures, queries
from tracker.extensions import db


def names(grid, locale="en"):
    return [
        (g.rsb.code if g.rsb else None, [r.organisation.code for r in g.rows]) for g in grid.groups
    ]


def test_grid_groups_by_region_board_first_all_wales_last(nation):
    grid = queries.grid(nation["inspector"], nation["framework"], nation["cycle"])
    assert names(grid) == [("RSB-A", ["RSB-A", "LA-A"]), (None, ["POL"])]
    assert [i.key for i in grid.items] == ["A1", "A2", "B1"]


def test_grid_cells_show_validated_scores_and_flags(nation):
    grid = queries.grid(nation["inspector"], nation["framework"], nation["cycle"])
    board, la = grid.groups[0].rows
    a1 = board.cells["A1"]
    assert (a1.self_score, a1.validated_score, a1.score) == (3, 2, 2)
    assert a1.is_triangulated and not a1.claim
    a2 = board.cells["A2"]
    assert a2.score == 2 and not a2.is_triangulated and a2.claim  # 2 reaches required_from
    assert board.cells["B1"].score is None and not board.cells["B1"].claim
    assert la.cells["A1"].score == 1 and not la.cells["A1"].claim  # below the threshold


def test_grid_counts_by_section(nation):
    grid = queries.grid(nation["inspector"], nation["framework"], nation["cycle"])
    # first: A1 2,1,2  A2 2,3,–   second: B1 –,0,3
    assert grid.section_counts() == [[0, 1, 3, 1, 1], [1, 0, 0, 1, 1]]


def test_drafts_of_other_organisations_are_never_in_the_grid(nation):
    for who in ("inspector", "coordinator", "contributor", "reviewer"):
        grid = queries.grid(nation[who], nation["framework"], nation["cycle"])
        assert "RSB-B" not in {r.organisation.code for r in grid.rows}, who
    own = queries.grid(nation["outsider"], nation["framework"], nation["cycle"])
    assert [r.organisation.code for r in own.rows] == ["RSB-B"]  # its own draft, to itself


def test_a_reviewer_sees_only_what_they_review(nation):
    grid = queries.grid(nation["reviewer"], nation["framework"], nation["cycle"])
    assert [r.organisation.code for r in grid.rows] == ["RSB-A"]


def test_welsh_names_order_the_rows(nation):
    grid = queries.grid(nation["inspector"], nation["framework"], nation["cycle"], "cy")
    assert grid.groups[-1].rows[0].organisation.display_name("cy") == "Heddlu"


def test_open_work_of_an_organisation(nation):
    nation["assessment"].status = "returned"  # so its unscored item is work to do
    db.session.commit()
    work = queries.open_work(nation["coordinator"], nation["rsb"], TODAY)
    assert [item.key for _a, item in work.to_score] == ["B1"]
    assert [c.question for c, _a, _i in work.challenges] == ["Where is the audit?"]
    assert [a.description for a, _s, _i in work.actions_overdue] == ["Late action"]
    assert [a.description for a, _s, _i in work.actions_due_soon] == ["Soon action"]
    assert not work.is_empty


def test_open_work_of_an_organisation_the_user_cannot_see_is_empty(nation):
    assert queries.open_work(nation["coordinator"], nation["other"], TODAY).is_empty
    # Another organisation's draft: nothing to score shows to an inspector.
    assert queries.open_work(nation["inspector"], nation["other"], TODAY).is_empty


def test_organisation_view(nation):
    view = queries.organisation_view(
        nation["coordinator"], nation["rsb"], nation["framework"], nation["cycle"]
    )
    assert view.assessment == nation["assessment"]
    assert view.section_counts() == [[0, 0, 2, 0, 0], [0, 0, 0, 0, 1]]
    hidden = queries.organisation_view(
        nation["inspector"], nation["other"], nation["framework"], nation["cycle"]
    )
    assert hidden.assessment is None and hidden.section_counts() == []


def test_trend_across_cycles(nation, make_cycle, make_assessment):
    earlier = make_cycle("2025–26", 2025)
    old = make_assessment(organisation=nation["rsb"], cycle=earlier, status="concluded")
    scores(old, {"A1": 1, "A2": 1, "B1": 2})
    db.session.commit()
    result = comparisons.trend(nation["inspector"], nation["framework"], nation["rsb"])
    assert [c.label for c in result.cycles] == ["2025–26", "2026–27"]
    assert result.assessments_per_cycle == [1, 1]
    by_item = {item.key: values for item, values in result.by_item}
    assert by_item == {"A1": [1.0, 2.0], "A2": [1.0, 2.0], "B1": [2.0, None]}
    by_section = {s.key: values for s, values in result.by_section}
    assert by_section == {"first": [1.0, 2.0], "second": [2.0, None]}


def test_trend_over_everything_the_user_sees(nation):
    result = comparisons.trend(nation["inspector"], nation["framework"], None)
    by_item = {item.key: values for item, values in result.by_item}
    assert by_item["A1"] == [pytest.approx(5 / 3, abs=0.01)]  # 2 (validated), 1, 2
    assert result.assessments_per_cycle == [3]  # the draft is not among them


def test_trend_of_a_draft_the_user_cannot_see_is_empty(nation):
    result = comparisons.trend(nation["inspector"], nation["framework"], nation["other"])
    assert result.cycles == [] and all(values == [] for _s, values in result.by_section)


def test_calibration_per_organisation(nation):
    la = nation["la_assessment"]
    checked = {"A1": 1, "A2": 2, "B1": 1}  # self 1, 3, 0
    for response in la.responses:
        response.validated_score = checked[response.item.key]
    db.session.commit()
    rows, overall = comparisons.calibration(
        nation["inspector"], nation["framework"], nation["cycle"]
    )
    found = {r.organisation.code: r.calibration for r in rows}
    assert set(found) == {"RSB-A", "LA-A", "POL"}
    assert found["RSB-A"] == figures.Calibration(1, 1, 0, 0, 1.0)
    assert found["RSB-A"].verdict == figures.OPTIMISTIC
    assert found["LA-A"] == figures.Calibration(3, 1, 1, 1, 0.0)
    assert found["LA-A"].verdict == figures.WELL_CALIBRATED
    assert found["POL"].verdict is None
    assert (overall.validated, overall.mean_difference) == (4, 0.25)


def test_filters_default_to_the_current_cycle_and_first_framework(nation, make_cycle):
    make_cycle("2024–25", 2024)
    chosen = queries.filters()
    assert chosen.cycle == nation["cycle"] and chosen.framework == nation["framework"]


@pytest.mark.parametrize("bad", ["abc", "0", "-1", "999999", "1" * 30, "1.5"])
def test_filters_refuse_unknown_ids(nation, bad):
    with pytest.raises(queries.NotFound):
        queries.filters(framework_id=bad)
    with pytest.raises(queries.NotFound):
        queries.filters(cycle_id=bad)
    with pytest.raises(queries.NotFound):
        queries.organisation_or_none(bad)


def test_empty_database_has_no_filters():
    chosen = queries.filters()
    assert chosen.framework is None and chosen.cycle is None


def test_response_links_by_role(nation):
    assert queries.response_endpoint(nation["inspector"]) == "review.response"
    assert queries.response_endpoint(nation["coordinator"]) == "assessments.item"


def test_a_health_board_lead_opens_on_a_framework_that_applies_to_them(
    nation, rsb_only_framework, make_org, make_user
):
    lead = make_user("coordinator", make_org("health_board"))
    assert queries.filters(user=lead).framework == nation["framework"]  # for health boards
    # A board's coordinator opens on what their board is assessed against; an inspectorate,
    # to which no framework applies, on the first.
    assert queries.filters(user=nation["coordinator"]).framework == nation["framework"]
    assert queries.filters(user=nation["inspector"]).framework == rsb_only_framework
