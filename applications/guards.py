"""What a condition of a row of the transition table is (``workflow.TRANSITIONS``)."""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Guard:
    """A condition of a row of the table.

    ``check(application, row, actor)`` returns the messages of what is missing (none: it
    passes). ``satisfy(application, row, actor)``, where the condition can be met by data
    alone, meets it: the demo data and the test world call it before they drive a file
    along the row, so that a new guard does not break them. The module that owns the
    condition provides both.
    """

    check: Callable
    satisfy: Callable | None = None

    def __call__(self, application, row, actor):
        return self.check(application, row, actor)
