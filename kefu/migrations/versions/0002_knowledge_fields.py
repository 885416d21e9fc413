"""knowledge point fields (tags, validity, image, link, buttons) and import jobs

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 21:34:59.274404
"""
import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('import_jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('format', sa.String(length=8), nullable=False),
    sa.Column('mode', sa.String(length=8), nullable=False),
    sa.Column('skip_bad', sa.Boolean(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('processed', sa.Integer(), nullable=False),
    sa.Column('created', sa.Integer(), nullable=False),
    sa.Column('updated', sa.Integer(), nullable=False),
    sa.Column('skipped', sa.Integer(), nullable=False),
    sa.Column('errors', sa.JSON(), nullable=False),
    sa.Column('warnings', sa.JSON(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_import_jobs_created_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_import_jobs_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_jobs'))
    )
    with op.batch_alter_table('import_jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_import_jobs_tenant_id'), ['tenant_id'], unique=False)

    # Existing points get no tags: the column is added with a default for them, which is then dropped so the
    # schema matches the model (the application always writes the value).
    with op.batch_alter_table('knowledge_points', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tags', sa.JSON(), nullable=False, server_default=sa.text("'[]'")))
        batch_op.add_column(sa.Column('valid_from', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('valid_to', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('image_url', sa.String(length=1000), nullable=True))
        batch_op.add_column(sa.Column('link_url', sa.String(length=1000), nullable=True))
        batch_op.add_column(sa.Column('buttons', sa.JSON(), nullable=True))
    with op.batch_alter_table('knowledge_points', schema=None) as batch_op:
        batch_op.alter_column('tags', existing_type=sa.JSON(), existing_nullable=False, server_default=None)

    # JSON is now written without \uXXXX escapes (kefu.db.JSON_SERIALIZER) so that searching similar questions
    # finds Chinese text: rewrite the ones stored before through that serializer (this environment connects with
    # kefu.db.make_engine).
    points = sa.table('knowledge_points', sa.column('id', sa.Integer()),
                      sa.column('similar_questions', sa.JSON()))
    conn = op.get_bind()
    for pid, similar in conn.execute(sa.select(points.c.id, points.c.similar_questions)).all():
        conn.execute(sa.update(points).where(points.c.id == pid).values(
            similar_questions=similar or []))


def downgrade() -> None:
    with op.batch_alter_table('knowledge_points', schema=None) as batch_op:
        batch_op.drop_column('buttons')
        batch_op.drop_column('link_url')
        batch_op.drop_column('image_url')
        batch_op.drop_column('valid_to')
        batch_op.drop_column('valid_from')
        batch_op.drop_column('tags')

    with op.batch_alter_table('import_jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_import_jobs_tenant_id'))

    op.drop_table('import_jobs')
