"""reports: report_tags, what each conversation's click-through is found by (knowledge points, people, outcomes)

The report tables are derived data: they are emptied here and rebuilt with the tags by `kefu reports refresh`
or the servers' background refresh (docs/reports.md).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05 02:20:00.000000
"""
import sqlalchemy as sa
from alembic import op

import kefu.db

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def _forget_reports() -> None:
    for table in ('report_conversations', 'report_daily', 'report_hourly', 'report_state'):
        op.execute(sa.text(f'DELETE FROM {table}'))


def upgrade() -> None:
    op.create_table('report_tags',
    sa.Column('conversation_id', sa.Integer(), nullable=False),
    sa.Column('tag', sa.String(length=32), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('created_at', kefu.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['conversation_id'], ['report_conversations.conversation_id'], name=op.f('fk_report_tags_conversation_id_report_conversations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_report_tags_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('conversation_id', 'tag', name=op.f('pk_report_tags'))
    )
    with op.batch_alter_table('report_tags', schema=None) as batch_op:
        batch_op.create_index('ix_report_tags_lookup', ['tenant_id', 'tag', 'day', 'created_at', 'conversation_id'],
                              unique=False)
    # The existing fact rows have no tags: start the report tables over (rebuilt ahead of the next report).
    _forget_reports()


def downgrade() -> None:
    with op.batch_alter_table('report_tags', schema=None) as batch_op:
        batch_op.drop_index('ix_report_tags_lookup')

    op.drop_table('report_tags')
