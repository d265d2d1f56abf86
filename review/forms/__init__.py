"""Forms of the bureau side, one module per part of the review (as ``review.models``). The
transition table names the forms of its rows by their path here (``review.forms.X``)."""

from .checks import (  # noqa: F401
    ChecklistDraftForm,
    CheckRecord,
    ChecksData,
    FormalAcceptForm,
    FormalCheckRecord,
    FormalReturnForm,
    UnitCheckRecord,
    UnitForwardForm,
    UnitReturnForm,
)
from .experts import (  # noqa: F401
    AssignForm,
    AssignmentRecord,
    DeclarationForm,
    DeclineForm,
    ExpertForm,
    ReasonForm,
    ReviewReturnForm,
    ScoreForm,
    SearchForm,
    SubmissionRecord,
)
