"""Every interface string is in the Welsh catalogue, and the catalogue is used."""

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

from tests.conftest import page_text

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "translations" / "cy" / "LC_MESSAGES" / "messages.po"


def test_welsh_catalogue_covers_every_string(tmp_path):
    template = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "--no-location",
            "-o",
            str(template),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with template.open("rb") as fh:
        wanted = {m.id for m in read_po(fh) if m.id}
    with CATALOGUE.open("rb") as fh:
        catalogue = read_po(fh)
    translated = {m.id for m in catalogue if m.id and m.string and not m.fuzzy}
    missing = sorted(str(m) for m in wanted - translated)
    assert not missing, f"not in the Welsh catalogue (run `make translations`): {missing}"
    assert "awaits review by a professional translator" in CATALOGUE.read_text()


def test_pages_are_shown_in_welsh(client):
    page = page_text(client.get("/login?lang=cy"))
    assert (
        "Mewngofnodi" in page and "Cyfeiriad e-bost" in page and "Traciwr Cynnydd Diogelu" in page
    )
