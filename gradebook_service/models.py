"""Import every model module, so the metadata Alembic compares against is complete."""

from gradebook_service.accounts import models as accounts_models  # noqa: F401
from gradebook_service.core import models as core_models  # noqa: F401
from gradebook_service.school import models as school_models  # noqa: F401
