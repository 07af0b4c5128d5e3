"""The review tests' region, people and assessments serve the statement tests too."""

from tests.review.conftest import (  # noqa: F401 (fixtures)
    _request,
    challenge,
    in_review,
    library_item,
    people,
    submitted,
)
