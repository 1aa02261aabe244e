"""Setup pages, one module per subject; importing them registers their routes on ``bp``."""

from gradebook_service.setup.views import (  # noqa: F401 - modules register their routes
    calendar,
    classes,
    index,
    pupils,
    rollover,
    school,
    staff,
    subjects,
)
from gradebook_service.setup.views.blueprint import bp

__all__ = ["bp"]
