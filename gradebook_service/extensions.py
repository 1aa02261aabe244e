"""The gradebook's extensions, created unbound so the factory can build many apps (tests do)."""

from flask_wtf import CSRFProtect

from shared.database import make_db
from shared.mail_requests import MailRequests
from shared.migrate import LazyMigrate
from shared.outbox import Outbox
from shared.ratelimit import make_limiter

db = make_db()
migrate = LazyMigrate()  # Alembic only where migrations run (shared/migrate.py)
csrf = CSRFProtect()
limiter = make_limiter()
outbox = Outbox()
mail_requests = MailRequests()
