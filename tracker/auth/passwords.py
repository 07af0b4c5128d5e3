"""What a password must be (NCSC advice): long enough, and not one everybody tries first.

No composition rules: length and a block list of common passwords do more, and annoy less.
"""

from functools import cache
from pathlib import Path

from flask_babel import gettext as _

MIN_LENGTH = 12
MAX_LENGTH = 200  # scrypt hashes any length; a limit keeps a request's work bounded
_OUR_LIST = Path(__file__).with_name("common-passwords.txt")


@cache
def common_passwords() -> frozenset[str]:
    """zxcvbn's 30,000 most common passwords and the tracker's own list, lower-cased."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    ours = (
        line.strip().lower()
        for line in _OUR_LIST.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    )
    return frozenset(FREQUENCY_LISTS["passwords"]) | frozenset(ours)


def problem(password: str | None, email: str | None = None) -> str | None:
    """Why this password will not do, in the reader's language; None when it will."""
    password = password or ""
    if len(password) < MIN_LENGTH:
        return _("Enter a password of at least %(number)d characters.", number=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return _("Enter a password of no more than %(number)d characters.", number=MAX_LENGTH)
    lowered = password.strip().lower()
    if lowered in common_passwords() or len(set(lowered)) <= 2:
        return _(
            "That password is one of the most common, so it is easy to guess. Choose another: "
            "three random words together are easy to remember and hard to guess."
        )
    if email and lowered in (email.lower(), email.split("@")[0].lower()):
        return _("Do not use your e-mail address as your password.")
    return None
