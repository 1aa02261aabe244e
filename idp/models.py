"""Import every model module, so the metadata Alembic compares against is complete."""

from idp.accounts import models as accounts_models  # noqa: F401
from idp.core import models as core_models  # noqa: F401
from idp.oidc import models as oidc_models  # noqa: F401
from idp.parental_consent import models as parental_consent_models  # noqa: F401
from idp.passkeys import models as passkeys_models  # noqa: F401
