"""The review tests' region, people and assessments serve the statement tests too."""

from pathlib import Path

import matplotlib
import pytest

from tests.review.conftest import (  # noqa: F401 (fixtures)
    _request,
    challenge,
    in_review,
    library_item,
    people,
    submitted,
)


@pytest.fixture
def reads(monkeypatch):
    """Every file or URL xhtml2pdf asks to read while the test runs. Only matplotlib's DejaVu
    fonts are really read; anything else is recorded and given no bytes, never fetched."""
    from xhtml2pdf import files

    fonts = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    own = {str(fonts / "DejaVuSans.ttf"), str(fonts / "DejaVuSans-Bold.ttf")}
    asked: list[str] = []
    for kind in (files.LocalFileURI, files.LocalProtocolURI, files.NetworkFileUri):

        def extract(self, original=kind.extract_data):
            asked.append(str(self.path))
            return original(self) if str(self.path) in own else None

        monkeypatch.setattr(kind, "extract_data", extract)
    return asked, own
