"""Regenerate a service's initial Alembic revision from its models.

Until the first release there is no deployed database to upgrade, so each
service keeps a single revision, ``0001``, regenerated whenever models change:
    python scripts/regen_migration.py idp|gradebook
After the first release, add revisions with ``flask --app … db migrate`` instead.
"""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = {"idp": ("idp", "IDP_DATABASE_URL"), "gradebook": ("gradebook_service", "GRADEBOOK_DATABASE_URL")}


def main(service: str) -> None:
    app, variable = APPS[service]
    versions = ROOT / "migrations" / service / "versions"
    for old in versions.glob("*.py"):
        old.unlink()
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, FLASK_DEBUG="1", EDZ_INSTANCE_DIR=tmp,
                   **{variable: f"sqlite:///{tmp}/empty.sqlite3"})
        subprocess.run([sys.executable, "-m", "flask", "--app", app, "db", "migrate",
                        "-m", "initial schema", "--rev-id", "0001"],
                       check=True, cwd=ROOT, env=env)
    subprocess.run([sys.executable, "-m", "ruff", "format", "-q", str(versions)], cwd=ROOT,
                   check=False)


if __name__ == "__main__":
    main(sys.argv[1])
