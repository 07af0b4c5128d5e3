"""What every area's services share: a change the rules refuse, and a change that conflicts.

The web views show either on the form; the API's two error handlers (tracker/api/http.py) turn
`RuleError` into 422 and `Conflict` into 409, so no view catches them one by one.
"""


class RuleError(Exception):
    """A change the rules refuse; `field` names the form field it concerns, if any.

    The message is for the person: plain words, in their language, saying which rule.
    """

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class Conflict(Exception):
    """A change that cannot be made as asked because of what is stored now (409): the object
    already exists, or changed since it was read. `current` is what is stored, if anything."""

    def __init__(self, message: str, current=None):
        super().__init__(message)
        self.message = message
        self.current = current


class Stale(Conflict):
    """The object changed since the person loaded it (an old `version`); nothing was saved."""

    def __init__(self, current):
        super().__init__(f"stale {type(current).__name__.lower()}", current)
