"""Statement figures and drafting on small hand-made datasets: no database, no web."""

from datetime import date

import pytest

from tracker.statements import drafting, figures
from tracker.statements.figures import (
    ChallengeFact,
    Dataset,
    ItemInfo,
    OrgInfo,
    Row,
    ScaleInfo,
    SectionInfo,
)

SCALE = [
    ScaleInfo(0, {"en": "Not started", "cy": "Heb ddechrau"}, "red"),
    ScaleInfo(1, {"en": "Planned"}, "red"),
    ScaleInfo(2, {"en": "In progress"}, "amber"),
    ScaleInfo(3, {"en": "Implemented"}, "green"),
]
THEMES = {
    "T1": {"en": "thresholds", "cy": "trothwyon"},
    "T2": {"en": "auditing", "cy": "archwilio"},
    "T3": {"en": "the front door", "cy": "y drws ffrynt"},
    "T4": {"en": "training", "cy": "hyfforddiant"},
    "T5": {"en": "workforce stability", "cy": "sefydlogrwydd y gweithlu"},
}
SUBJECT = drafting.Subject(
    "national",
    {},
    {"en": "Test framework", "cy": "Fframwaith prawf"},
    "2026–27",
    date(2026, 11, 21),
)


@pytest.fixture(autouse=True)
def _context(app):
    with app.test_request_context():
        yield


def make(scores: dict[str, list], statuses=None, challenges=(), level="triangulated") -> Dataset:
    """A dataset where org n's score on item key is scores[key][n]."""
    count = max((len(v) for v in scores.values()), default=0)
    orgs = [OrgInfo(n + 1, f"Org {n + 1}", None, None, "rsb") for n in range(max(count, 1))]
    rows = [
        Row(n + 1, key, score, None, level, False)
        for key, values in scores.items()
        for n, score in enumerate(values)
    ]
    return Dataset(
        scale=SCALE,
        sections=[SectionInfo("s1", {"en": "One"}), SectionInfo("s2", {"en": "Two"})],
        items=[
            ItemInfo(key, "s1" if n < 3 else "s2", n, theme)
            for n, (key, theme) in enumerate(THEMES.items())
        ],
        organisations=orgs,
        statuses=statuses if statuses is not None else {o.id: "submitted" for o in orgs},
        rows=rows,
        challenges=list(challenges),
    )


def keys(items):
    return [i.key for i in items]


def test_notable_progress_is_the_highest_items_and_challenges_the_lowest():
    data = make({"T1": [3, 3], "T2": [2, 3], "T3": [2, 2], "T4": [1, 0], "T5": [0, 0]})
    notable, remaining = figures.themes(data)
    assert keys(notable) == ["T1", "T2", "T3"]  # above the mean of 1.6, highest first
    assert keys(remaining) == ["T5", "T4"]


def test_tied_items_keep_the_framework_order():
    data = make({"T1": [3], "T2": [3], "T3": [3], "T4": [0], "T5": [1]})
    notable, remaining = figures.themes(data)
    assert keys(notable) == ["T1", "T2", "T3"]  # three tied at the top: none left out
    assert keys(remaining) == ["T4", "T5"]


def test_an_item_is_never_both_notable_and_a_remaining_challenge():
    data = make({"T1": [3], "T2": [0]})
    notable, remaining = figures.themes(data)
    assert keys(notable) == ["T1"] and keys(remaining) == ["T2"]


def test_when_every_item_is_level_nothing_stands_out():
    data = make({"T1": [2], "T2": [2], "T3": [2]})
    assert figures.themes(data) == ([], [])
    text = drafting.draft(data, SUBJECT, "en")
    assert "progress is even" in text["progress"]
    assert "progress is even" in text["remaining"]


def test_unscored_responses_do_not_count_and_unscored_items_are_left_out():
    data = make({"T1": [3, None], "T2": [None, None], "T3": [1, None]})
    assert figures.item_means(data) == {"T1": 3, "T3": 1}
    notable, remaining = figures.themes(data)
    assert keys(notable) == ["T1"] and keys(remaining) == ["T3"]


def test_empty_data_drafts_every_section_without_a_crash():
    data = make({}, statuses={})
    h = figures.headline(data)
    assert (h.scored, h.reported, h.triangulated_share, h.moderation_mean) == (0, 0, None, None)
    for locale in ("en", "cy"):
        text = drafting.draft(data, SUBJECT, locale)
        assert set(text) == set(drafting.SECTION_KEYS)
        assert all(value.strip() for value in text.values())
    assert "no figures to report" in drafting.draft(data, SUBJECT, "en")["assessed"]


def test_headline_counts_levels_triangulation_claims_and_moderation():
    rows = [
        Row(1, "T1", 3, 2, "partial", True),  # moderated down by one; counted at 2
        Row(1, "T2", 1, 1, "triangulated", False),  # validated, agreed
        Row(2, "T1", 2, None, "triangulated", False),
        Row(2, "T2", None, None, "unevidenced", False),
    ]
    data = make({})
    data.rows = rows
    data.organisations = [
        OrgInfo(1, "A", None, None, "rsb"),
        OrgInfo(2, "B", None, None, "rsb"),
        OrgInfo(3, "C", None, None, "rsb"),
    ]
    data.statuses = {1: "concluded", 2: "returned"}
    data.challenges = [ChallengeFact("resolved", "moderated"), ChallengeFact("open", None)]
    h = figures.headline(data)
    assert h.expected == 3 and h.reported == 1 and h.returned == 1 and h.not_submitted == 1
    assert h.scored == 3 and h.by_level == {0: 0, 1: 1, 2: 2, 3: 0}
    assert h.triangulated == 2 and h.claims == 1
    assert (h.validated, h.moderated, h.moderated_down, h.moderation_mean) == (2, 1, 1, 1)
    assert (h.challenges_raised, h.challenges_resolved, h.challenges_open) == (2, 1, 1)


def test_by_section_counts_each_level_and_the_unscored():
    data = make({"T1": [3, None], "T2": [3, 0], "T4": [2, 2]})
    assert figures.by_section(data) == [[1, 0, 0, 2, 1], [0, 0, 2, 0, 0]]


def test_drafts_name_the_themes_in_the_language_asked_for():
    data = make({"T1": [3, 3], "T2": [2, 1], "T3": [0, 0]})  # T2 sits at the mean
    english = drafting.draft(data, SUBJECT, "en")
    welsh = drafting.draft(data, SUBJECT, "cy")
    assert english["progress"] == "There has been notable progress in thresholds."
    assert english["remaining"] == "However, challenges remain in the front door."
    assert "trothwyon" in welsh["progress"] and "thresholds" not in welsh["progress"]
    assert "y drws ffrynt" in welsh["remaining"]


def test_themes_are_listed_as_people_write_lists():
    data = make({"T1": [3], "T2": [3], "T3": [3], "T4": [0], "T5": [1]})
    text = drafting.draft(data, SUBJECT, "en")
    assert text["progress"] == (
        "There has been notable progress in thresholds, auditing and the front door."
    )
    assert "trothwyon, archwilio a'r drws ffrynt" in drafting.draft(data, SUBJECT, "cy")["progress"]


@pytest.mark.parametrize(
    ("names", "locale", "expected"),
    [
        ([], "en", ""),
        (["thresholds"], "cy", "thresholds"),
        (["a", "b"], "en", "a and b"),
        (["trothwyon", "hyfforddiant"], "cy", "trothwyon a hyfforddiant"),
        (["trothwyon", "archwilio"], "cy", "trothwyon ac archwilio"),
        (["trothwyon", "yr eiriolaeth"], "cy", "trothwyon a'r eiriolaeth"),
    ],
)
def test_joining_themes(names, locale, expected):
    assert drafting.join_themes(names, locale) == expected


def test_the_same_data_always_drafts_the_same_words():
    one = make({"T1": [3, 1], "T2": [2, 2], "T3": [0, 3], "T4": [1, 1]})
    two = make({"T1": [3, 1], "T2": [2, 2], "T3": [0, 3], "T4": [1, 1]})
    assert drafting.draft(one, SUBJECT, "en") == drafting.draft(two, SUBJECT, "en")
    assert drafting.draft(one, SUBJECT, "cy") == drafting.draft(two, SUBJECT, "cy")


# --- notable progress is what the evidence or a reviewer supports (issue #17, point 4) ---------


def rows_of(*rows) -> Dataset:
    data = make({})
    data.rows = list(rows)
    return data


def test_notable_progress_lists_only_validated_or_triangulated_scores():
    data = rows_of(
        Row(1, "T1", 3, None, "single source", False),  # the organisation's word alone
        Row(1, "T2", 3, None, "triangulated", False),
        Row(1, "T3", 3, 3, "partial", False),  # a reviewer validated it
        Row(1, "T4", 0, None, "unevidenced", False),
        Row(1, "T5", 0, None, "unevidenced", False),
    )
    notable, remaining = figures.themes(data)
    assert keys(notable) == ["T2", "T3"]
    assert keys(remaining) == ["T4", "T5"]
    text = drafting.draft(data, SUBJECT, "en")["progress"]
    assert text == "There has been notable progress in auditing and the front door."


def test_a_claim_beyond_evidence_is_never_notable_even_validated():
    data = rows_of(
        Row(1, "T1", 3, 3, "partial", True),
        Row(2, "T1", 3, 3, "partial", True),
        Row(1, "T2", 0, None, "unevidenced", False),
    )
    notable, _remaining = figures.themes(data)
    assert notable == []
    text = drafting.draft(data, SUBJECT, "en")["progress"]
    assert "thresholds" not in text
    assert "validated by a reviewer or supported by triangulated evidence" in text


def test_notable_progress_is_ranked_by_progress_since_the_last_cycle():
    data = rows_of(
        Row(1, "T1", 3, None, "triangulated", False, previous_score=3),  # no change
        Row(1, "T2", 3, None, "triangulated", False, previous_score=0),  # up three
        Row(1, "T3", 3, 3, "partial", False, previous_score=2),  # up one
        Row(1, "T4", 3, None, "unevidenced", False, previous_score=0),  # up three, unsupported
        Row(1, "T5", 0, None, "unevidenced", False, previous_score=0),
    )
    notable, _remaining = figures.themes(data)
    assert keys(notable) == ["T2", "T3"]
    assert drafting.draft(data, SUBJECT, "en")["progress"] == (
        "Since the last cycle there has been notable progress in auditing and the front door."
    )


def test_a_long_list_names_the_first_three_and_counts_the_rest_in_both_languages():
    data = rows_of(
        *(
            Row(1, key, 3, None, "triangulated", False, previous_score=3 - gain)
            for key, gain in zip(THEMES, (3, 3, 2, 2, 1), strict=True)
        )
    )
    assert keys(figures.themes(data)[0]) == ["T1", "T2", "T3", "T4", "T5"]
    english = drafting.draft(data, SUBJECT, "en")["progress"]
    assert english == (
        "Since the last cycle there has been notable progress in thresholds, auditing, "
        "the front door and 2 more."
    )
    welsh = drafting.draft(data, SUBJECT, "cy")["progress"]
    assert "trothwyon, archwilio, y drws ffrynt" in welsh
    assert "hyfforddiant" not in welsh and "sefydlogrwydd" not in welsh and "2" in welsh
