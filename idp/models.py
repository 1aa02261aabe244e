"""Import every model module, so the metadata Alembic compares against is complete."""

from idp.core import models as core_models  # noqa: F401
