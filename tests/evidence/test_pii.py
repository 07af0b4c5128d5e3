"""The personal-data detector: true and false positives."""

import time

import pytest

from tracker.evidence.pii import scan_text, valid_nhs_number


@pytest.mark.parametrize("number", ["9434765919", "4010232137", "9876543210"])
def test_valid_nhs_numbers_pass_modulus_11(number):
    assert valid_nhs_number(number)


@pytest.mark.parametrize(
    "number",
    ["9434765918", "1234567890", "0000000000", "123456789", "94347659190"],
    ids=["wrong check digit", "check digit would be 10", "all the same", "nine digits", "eleven"],
)
def test_invalid_numbers_do_not(number):
    assert not valid_nhs_number(number)


@pytest.mark.parametrize(
    "text, kind",
    [
        ("Child's NHS number 943 476 5919 was shared.", "nhs_number"),
        ("ref 943-476-5919", "nhs_number"),
        ("Date of birth: 03/04/2015", "date_of_birth"),
        ("DOB 3 April 2015", "date_of_birth"),
        ("born on 12th March 2016", "date_of_birth"),
        ("Visited Jane Evans at home, 12 High Street, CF10 1AA, twice.", "name_and_postcode"),
    ],
)
def test_identifiers_are_found(text, kind):
    assert scan_text(text).get(kind) == 1


@pytest.mark.parametrize(
    "text",
    [
        "Referrals rose to 1234567890 in total",  # ten digits failing modulus 11
        "The audit of 2024/25 found 85% compliance.",
        "Meeting on 03/04/2025 agreed the plan.",  # a date, but not a birth date
        "Cardiff Council, County Hall, CF10 4UW",  # an organisation's address
        "Telephone 029 2087 2087",
        "Postcode area CF10 only",
    ],
)
def test_ordinary_assurance_text_is_not_flagged(text):
    assert scan_text(text) == {}


def test_counts_not_content_are_returned():
    result = scan_text("943 476 5919 and 401 023 2137")
    assert result == {"nhs_number": 2}
    assert "943" not in repr(result)


def test_files_are_scanned_in_pieces_without_missing_a_boundary(tmp_path, monkeypatch):
    from tracker.evidence import pii

    monkeypatch.setattr(pii, "CHUNK", 1000)
    lines = [f"row {n}, nothing personal here" for n in range(500)]
    lines[100] = "NHS 943 476 5919"
    lines[250] = "Date of birth: 03/04/2015"
    path = tmp_path / "data.csv"
    path.write_text("\n".join(lines))
    assert pii.scan_file(path, "text") == {"nhs_number": 1, "date_of_birth": 1}


def test_pdf_text_is_scanned(tmp_path):
    from tests.evidence import files
    from tracker.evidence import pii

    path = tmp_path / "a.pdf"
    path.write_bytes(files.pdf("Child NHS number 943 476 5919"))
    assert pii.scan_file(path, "pdf") == {"nhs_number": 1}
    path.write_bytes(b"%PDF-1.4 broken")
    assert pii.scan_file(path, "pdf") == {}  # unreadable: not scanned, not a crash


@pytest.mark.parametrize(
    "text, kind",
    [
        ("NHS 943\u00a0476\u00a05919", "nhs_number"),
        ("Date of birth: 2015-03-01", "date_of_birth"),
        ("DOB 1st March, 2015", "date_of_birth"),
        ("Jane Smith, 4 Oak Court, Cardiff CF10 1AA", "name_and_postcode"),
        ("SMITH, Jane cf10 1aa", "name_and_postcode"),
    ],
    ids=[
        "non-breaking spaces",
        "iso date",
        "comma after month",
        "court in address",
        "surname first",
    ],
)
def test_realistic_variants_are_found(text, kind):
    assert scan_text(text).get(kind) == 1


def test_a_number_across_a_chunk_boundary_without_newlines_is_found_once(tmp_path, monkeypatch):
    from tracker.evidence import pii

    monkeypatch.setattr(pii, "CHUNK", 1000)
    for offset in range(985, 1005):  # the number straddles the first chunk's end
        text = "x" * offset + " 943 476 5919 " + "y" * 3000
        path = tmp_path / "one-line.txt"
        path.write_text(text)
        assert pii.scan_file(path, "text") == {"nhs_number": 1}, offset


def test_a_pdf_slow_to_read_is_scanned_within_the_bound(tmp_path):
    from tests.evidence import files
    from tracker.evidence import pii

    path = tmp_path / "crafted.pdf"
    path.write_bytes(files.slow_pdf())
    assert path.stat().st_size < 100_000
    started = time.monotonic()
    found = pii.scan_file(path, "pdf")
    assert time.monotonic() - started < pii.SCAN_SECONDS + 2
    assert 0 <= found["checked_pages"] < 300  # said, so the warning can say it


def test_a_short_pdf_is_checked_whole(tmp_path):
    from tests.evidence import files
    from tracker.evidence import pii

    path = tmp_path / "short.pdf"
    path.write_bytes(files.slow_pdf(pages=3, lines=20, text="NHS number 943 476 5919"))
    assert pii.scan_file(path, "pdf") == {"nhs_number": 60}  # 20 lines on each of 3 pages


def test_what_was_checked_is_said():
    from tracker.labels import pii_summary

    assert pii_summary({"nhs_number": 2, "checked_pages": 4}) == (
        "what looks like an NHS number (2), only the first 4 pages were checked"
    )
    assert pii_summary({"checked_pages": 0}) == "the file was too long or complex to check"
