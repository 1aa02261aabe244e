"""Import every model module, so the metadata Alembic compares against is complete."""

from gradebook_service.accounts import models as accounts_models  # noqa: F401
from gradebook_service.announcements import models as announcements_models  # noqa: F401
from gradebook_service.calendar import models as calendar_models  # noqa: F401
from gradebook_service.core import models as core_models  # noqa: F401
from gradebook_service.exports import models as exports_models  # noqa: F401
from gradebook_service.grades import models as grades_models  # noqa: F401
from gradebook_service.history import models as history_models  # noqa: F401
from gradebook_service.homework import models as homework_models  # noqa: F401
from gradebook_service.lessons import models as lessons_models  # noqa: F401
from gradebook_service.messages import models as messages_models  # noqa: F401
from gradebook_service.notifications import models as notifications_models  # noqa: F401
from gradebook_service.passkeys import models as passkeys_models  # noqa: F401
from gradebook_service.remarks import models as remarks_models  # noqa: F401
from gradebook_service.school import models as school_models  # noqa: F401
from gradebook_service.surveys import models as surveys_models  # noqa: F401
from gradebook_service.timetable import models as timetable_models  # noqa: F401
from gradebook_service.web import models as web_models  # noqa: F401
