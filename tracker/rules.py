"""What every area's services share: the refusal of a change the rules do not allow."""


class RuleError(Exception):
    """A change the rules refuse; `field` names the form field it concerns, if any.

    The message is for the person: plain words, in their language, saying which rule.
    """

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
