"""Charts module: valid images, same data → same bytes from the cache, honest empty charts."""

import io
import threading
import warnings

import pytest
from PIL import Image

from tracker.reporting import charts
from tracker.reporting.charts import Level

LEVELS = [
    Level(0, "Not started", "red"),
    Level(1, "Planned", "red"),
    Level(2, "In progress", "amber"),
    Level(3, "Implemented", "green"),
    Level(4, "Embedded (impact evidenced)", "green"),
]
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(autouse=True)
def _empty_cache():
    charts.clear_cache()
    yield
    charts.clear_cache()


def draw_status(**overrides):
    args = {
        "sections": ["Thresholds", "Auditing and quality assurance of multi-agency practice"],
        "levels": LEVELS,
        "counts": [[1, 0, 2, 1, 0, 1], [0, 0, 0, 3, 2, 0]],
        "title": "Items by status",
        "unscored_label": "Not scored",
    }
    args.update(overrides)
    return charts.status_by_section(**args)


def draw_heat(**overrides):
    args = {
        "rows": ["Cardiff and Vale RSB", "Gwent RSB"],
        "columns": ["R1", "R2", "R3"],
        "scores": [[0, 2, None], [4, 3, 1]],
        "levels": LEVELS,
        "not_triangulated": [[False, True, False], [True, False, False]],
        "title": "Status by organisation",
        "no_score_label": "No score",
        "flag_label": "Evidence not triangulated",
    }
    args.update(overrides)
    return charts.heat_map(**args)


def draw_profile(**overrides):
    args = {
        "items": ["Governance", "Training", "Supervision"],
        "self_scores": [3, 4, None],
        "validated_scores": [2, 4, 1],
        "levels": LEVELS,
        "title": "Maturity profile",
        "self_label": "Self-assessed",
        "validated_label": "Validated",
    }
    args.update(overrides)
    return charts.profile(**args)


def draw_trend(**overrides):
    args = {
        "cycles": ["2023–24", "2024–25", "2025–26"],
        "series": [("Thresholds", [1, 2, 3]), ("Mean", [0.5, None, 2.5])],
        "levels": LEVELS,
        "title": "Trend",
    }
    args.update(overrides)
    return charts.trend(**args)


def draw_calibration(**overrides):
    args = {
        "organisations": ["Cardiff and Vale RSB", "Gwent RSB", "Powys Teaching HB"],
        "differences": [0.75, -0.5, None],
        "title": "Self against validated",
        "optimistic_label": "Optimistic",
        "cautious_label": "Cautious",
        "calibrated_label": "Well calibrated",
        "no_data_label": "No validated scores",
    }
    args.update(overrides)
    return charts.calibration(**args)


DRAWERS = {
    "status_by_section": draw_status,
    "heat_map": draw_heat,
    "profile": draw_profile,
    "trend": draw_trend,
    "calibration": draw_calibration,
}
EMPTY = {
    "status_by_section": {"sections": [], "counts": []},
    "heat_map": {"rows": [], "columns": [], "scores": [], "not_triangulated": []},
    "profile": {"self_scores": [None, None, None], "validated_scores": [None, None, None]},
    "trend": {"series": [("Thresholds", [None, None, None])]},
    "calibration": {"differences": [None, None, None]},
}
CHANGED = {
    "status_by_section": {"counts": [[1, 0, 2, 1, 0, 1], [0, 0, 0, 3, 1, 1]]},
    "heat_map": {"not_triangulated": [[False, False, False], [True, False, False]]},
    "profile": {"validated_scores": [2, 3, 1]},
    "trend": {"series": [("Thresholds", [1, 2, 4]), ("Mean", [0.5, None, 2.5])]},
    "calibration": {"differences": [0.75, -0.25, None]},
}
WELSH = {
    "status_by_section": {"sections": ["Gŵyl Ŷ", "Ŵyn ŷd"], "title": "Eitemau: Gŵyl Ŷ"},
    "heat_map": {"rows": ["Gŵyl Ŷ", "Ŵyn"], "flag_label": "Tystiolaeth heb ei thriongli ŵ ŷ"},
    "profile": {"items": ["Gŵyl", "Ŷ", "Ŵ"], "self_label": "Hunanasesiad Ŵ"},
    "trend": {"series": [("Gŵyl Ŷ", [1, 2, 3])], "title": "Tuedd Ŷ"},
    "calibration": {"organisations": ["Gŵyl", "Ŷ", "Ŵ"], "cautious_label": "Gofalus ŵ"},
}
BAD_SHAPES = {
    "status_by_section": ({"counts": [[1, 0, 2, 1, 0, 1]]}, "counts has 1 rows but there are 2"),
    "heat_map": ({"scores": [[0, 2], [4, 3, 1]]}, r"scores\[0\] has 2 entries; expected 3"),
    "profile": ({"validated_scores": [2, 4]}, "validated_scores has 2 entries but there are 3"),
    "trend": ({"series": [("Thresholds", [1, 2])]}, "has 2 values but there are 3 cycles"),
    "calibration": ({"differences": [0.5]}, "differences has 1 entries but there are 3"),
}


def image_of(data: bytes) -> Image.Image:
    assert data[:8] == PNG_MAGIC
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


@pytest.mark.parametrize("name", DRAWERS)
def test_each_chart_is_a_valid_png(name):
    image = image_of(DRAWERS[name]())
    assert image.format == "PNG"
    assert image.width >= 400 and image.height >= 200


@pytest.mark.parametrize("name", DRAWERS)
def test_same_data_gives_same_bytes_from_the_cache(name):
    first = DRAWERS[name]()
    assert charts.cache_stats()["misses"] == 1
    second = DRAWERS[name]()
    assert second == first
    assert charts.cache_stats()["hits"] == 1
    assert charts.cache_stats()["misses"] == 1  # not drawn twice


@pytest.mark.parametrize("name", DRAWERS)
def test_drawing_again_without_the_cache_gives_the_same_bytes(name):
    first = DRAWERS[name]()
    charts.clear_cache()
    assert DRAWERS[name]() == first


@pytest.mark.parametrize("name", DRAWERS)
def test_changed_data_gives_different_bytes(name):
    assert DRAWERS[name]() != DRAWERS[name](**CHANGED[name])
    assert charts.cache_stats()["misses"] == 2


def test_equal_data_in_other_container_types_is_the_same_chart():
    draw_status()
    draw_status(
        sections=("Thresholds", "Auditing and quality assurance of multi-agency practice"),
        counts=((1, 0, 2, 1, 0, 1), (0, 0, 0, 3, 2, 0)),
    )
    assert charts.cache_stats()["hits"] == 1


@pytest.mark.parametrize("name", DRAWERS)
def test_empty_data_draws_an_honest_empty_chart(name):
    image = image_of(DRAWERS[name](**EMPTY[name], empty_label="Nothing to show yet"))
    assert image.width > 0


def test_all_unscored_status_is_empty_not_a_crash():
    image_of(draw_status(counts=[[0] * 6, [0] * 6]))


@pytest.mark.parametrize("name", DRAWERS)
def test_welsh_letters_have_glyphs(name):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a missing glyph is a UserWarning from matplotlib
        image_of(DRAWERS[name](**WELSH[name]))


@pytest.mark.parametrize("name", DRAWERS)
def test_mismatched_lengths_are_refused_clearly(name):
    overrides, message = BAD_SHAPES[name]
    with pytest.raises(ValueError, match=message):
        DRAWERS[name](**overrides)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"fmt": "gif"}, "fmt must be one of"),
        ({"dpi": 0}, "dpi must be"),
        ({"levels": []}, "at least one level"),
        ({"levels": [Level(0, "x", "purple")]}, "use red, amber or green"),
    ],
)
def test_bad_options_are_refused(overrides, message):
    with pytest.raises(ValueError, match=message):
        draw_trend(**overrides)


def test_heat_map_refuses_a_score_off_the_scale():
    with pytest.raises(ValueError, match="score 9 is not a level"):
        draw_heat(scores=[[0, 2, None], [9, 3, 1]])


def test_negative_counts_are_refused():
    with pytest.raises(ValueError, match="whole numbers"):
        draw_status(counts=[[1, 0, 2, 1, 0, -1], [0, 0, 0, 3, 2, 0]])


def test_svg_is_deterministic_too():
    first = draw_heat(fmt="svg")
    charts.clear_cache()
    assert draw_heat(fmt="svg") == first
    assert first.lstrip().startswith(b"<?xml")


def test_dpi_changes_the_size():
    small = image_of(draw_profile(dpi=50))
    large = image_of(draw_profile(dpi=100))
    assert large.width == pytest.approx(2 * small.width, abs=2)


def test_long_labels_are_shortened():
    assert charts.shorten("a " * 100, 10, 2).count("\n") == 1
    assert charts.shorten("a " * 100, 10, 2).endswith("…")
    assert charts.shorten("Front door", 10, 2) == "Front door"


def test_levels_sharing_a_colour_differ_by_hatching():
    styles = charts.level_styles(LEVELS)
    hatches = [styles[level.value][2] for level in LEVELS]
    assert len(set(hatches)) == len(LEVELS)
    faces = [styles[level.value][0] for level in LEVELS]
    assert len(set(faces)) == len(LEVELS)


def test_cache_is_bounded():
    small = charts.ChartCache(size=2)
    for key in "abc":
        small.put(key, key.encode())
    assert small.get("a") is None and small.get("c") == b"c"


def test_threads_drawing_at_once_get_the_same_bytes():
    expected = draw_trend()
    charts.clear_cache()
    results = []

    def work():
        results.append(draw_trend(dpi=80))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(results)) == 1
    assert results[0] != expected  # a different dpi is a different chart
