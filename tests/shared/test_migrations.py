"""The migrated schema equals the models: no pending autogenerate diff, on either backend."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext


@pytest.mark.parametrize("app_fixture", ["idp_app", "gradebook_app"])
def test_migrations_match_models(app_fixture, request):
    app = request.getfixturevalue(app_fixture)
    db = app.extensions["sqlalchemy"]
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, db.metadata)
    assert diff == [], f"models and migrations differ; run scripts/regen_migration.py: {diff}"


@pytest.mark.parametrize("app_fixture", ["idp_app", "gradebook_app"])
def test_health_answers(app_fixture, request):
    app = request.getfixturevalue(app_fixture)
    assert app.test_client().get("/healthz").json == {"status": "ok"}
