"""Alembic migrations match the models and run both ways on the configured backend."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from kefu.db import Base, make_engine
from kefu.migrate import current, downgrade, upgrade


def test_schema_from_migrations_matches_the_models(database_url):
    engine = make_engine(database_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    assert diff == [], f"models changed without a migration: {diff}"


def test_downgrade_to_base_and_back(tmp_path):
    url = f"sqlite:///{tmp_path / 'm.db'}"
    upgrade(url)
    assert current(url) is not None
    downgrade(url, "base")
    engine = make_engine(url)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()
    upgrade(url)
    engine = make_engine(url)
    assert {"tenants", "messages", "knowledge_points"} <= set(inspect(engine).get_table_names())
    engine.dispose()


def test_0002_keeps_existing_points_and_unescapes_their_similar_questions(tmp_path):
    from sqlalchemy import text

    url = f"sqlite:///{tmp_path / 'm2.db'}"
    upgrade(url, "0001")
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO tenants (id, name, slug, public_key, identity_secret, bot_name, greeting_zh, "
                          "greeting_en, default_locale, kb_version, created_at) VALUES (1, 't', 't', 'pk', 's', 'b', "
                          "'g', 'g', 'zh', 0, CURRENT_TIMESTAMP)"))
        conn.execute(text("INSERT INTO knowledge_points (tenant_id, category, question, similar_questions, answer, "
                          "enabled, created_at, updated_at) VALUES (1, '', 'q', :sims, 'a', 1, CURRENT_TIMESTAMP, "
                          "CURRENT_TIMESTAMP)"), {"sims": '["\\u53d1\\u8d27", "x"]'})
    upgrade(url)
    with engine.connect() as conn:
        row = conn.execute(text("SELECT similar_questions, tags, buttons, valid_from FROM knowledge_points")).one()
    engine.dispose()
    assert tuple(row) == ('["发货", "x"]', "[]", None, None)
