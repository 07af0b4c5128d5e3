"""The review tests' people and assessments serve the API tests too."""

from tests.review.conftest import (  # noqa: F401 (fixtures)
    _request,
    challenge,
    in_review,
    library_item,
    people,
    submitted,
)
