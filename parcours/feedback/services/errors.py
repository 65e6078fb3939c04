"""The refusals of feedback's writes, with the French message shown to the person."""


class Refused(Exception):
    """An action refused, with the French message shown to the person."""


class InvalidAnswers(Exception):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(errors)
        self.errors = errors
