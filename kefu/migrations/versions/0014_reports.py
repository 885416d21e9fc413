"""reports: conversation facts, daily and hourly rollups, refresh state; the shop's time zone

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 01:31:33.000481
"""
import sqlalchemy as sa
from alembic import op

import kefu.db

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('report_daily',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('dim', sa.String(length=16), nullable=False),
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('conversations', sa.Integer(), nullable=False),
    sa.Column('bot_resolved', sa.Integer(), nullable=False),
    sa.Column('handed_off', sa.Integer(), nullable=False),
    sa.Column('agent_replied', sa.Integer(), nullable=False),
    sa.Column('closed', sa.Integer(), nullable=False),
    sa.Column('customer_messages', sa.Integer(), nullable=False),
    sa.Column('unanswered', sa.Integer(), nullable=False),
    sa.Column('frt_n', sa.Integer(), nullable=False),
    sa.Column('frt_sum', sa.Float(), nullable=False),
    sa.Column('res_n', sa.Integer(), nullable=False),
    sa.Column('res_sum', sa.Float(), nullable=False),
    sa.Column('ratings', sa.Integer(), nullable=False),
    sa.Column('rating_sum', sa.Integer(), nullable=False),
    sa.Column('satisfied', sa.Integer(), nullable=False),
    sa.Column('hits', sa.Integer(), nullable=False),
    sa.Column('answered', sa.Integer(), nullable=False),
    sa.Column('clarified', sa.Integer(), nullable=False),
    sa.Column('handed_after', sa.Integer(), nullable=False),
    sa.Column('shown', sa.Integer(), nullable=False),
    sa.Column('used', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_report_daily_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_daily')),
    sa.UniqueConstraint('tenant_id', 'dim', 'key', 'day', name='uq_report_daily_tenant_dim_key_day')
    )
    with op.batch_alter_table('report_daily', schema=None) as batch_op:
        batch_op.create_index('ix_report_daily_tenant_dim_day', ['tenant_id', 'dim', 'day'], unique=False)

    op.create_table('report_hourly',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('hour', sa.Integer(), nullable=False),
    sa.Column('customer', sa.Integer(), nullable=False),
    sa.Column('bot', sa.Integer(), nullable=False),
    sa.Column('agent', sa.Integer(), nullable=False),
    sa.Column('system', sa.Integer(), nullable=False),
    sa.Column('bot_turns', sa.Integer(), nullable=False),
    sa.Column('unanswered', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_report_hourly_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_hourly')),
    sa.UniqueConstraint('tenant_id', 'day', 'hour', name='uq_report_hourly_tenant_day_hour')
    )
    op.create_table('report_state',
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('rating_id', sa.Integer(), nullable=False),
    sa.Column('suggestion_id', sa.Integer(), nullable=False),
    sa.Column('recent', sa.JSON(), nullable=False),
    sa.Column('refreshed_at', kefu.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_report_state_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', name=op.f('pk_report_state'))
    )
    op.create_table('report_conversations',
    sa.Column('conversation_id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('locale', sa.String(length=8), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', kefu.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_at', kefu.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('closed_at', kefu.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('hour', sa.Integer(), nullable=False),
    sa.Column('weekday', sa.Integer(), nullable=False),
    sa.Column('engaged', sa.Boolean(), nullable=False),
    sa.Column('customer_messages', sa.Integer(), nullable=False),
    sa.Column('bot_messages', sa.Integer(), nullable=False),
    sa.Column('agent_messages', sa.Integer(), nullable=False),
    sa.Column('bot_turns', sa.Integer(), nullable=False),
    sa.Column('unanswered', sa.Integer(), nullable=False),
    sa.Column('handed_off', sa.Boolean(), nullable=False),
    sa.Column('handoff_at', kefu.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('handoff_reason', sa.String(length=32), nullable=True),
    sa.Column('agent_replied', sa.Boolean(), nullable=False),
    sa.Column('first_agent_id', sa.Integer(), nullable=True),
    sa.Column('last_agent_id', sa.Integer(), nullable=True),
    sa.Column('first_response_seconds', sa.Float(), nullable=True),
    sa.Column('resolution_seconds', sa.Float(), nullable=True),
    sa.Column('came_back', sa.Boolean(), nullable=False),
    sa.Column('bot_resolved', sa.Boolean(), nullable=False),
    sa.Column('rating', sa.Integer(), nullable=True),
    sa.Column('disposition', sa.String(length=20), nullable=True),
    sa.Column('topic', sa.String(length=80), nullable=False),
    sa.Column('points', sa.JSON(), nullable=False),
    sa.Column('flows', sa.JSON(), nullable=False),
    sa.Column('agents', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], name=op.f('fk_report_conversations_conversation_id_conversations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_report_conversations_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('conversation_id', name=op.f('pk_report_conversations'))
    )
    with op.batch_alter_table('report_conversations', schema=None) as batch_op:
        batch_op.create_index('ix_report_conversations_customer', ['tenant_id', 'customer_id', 'created_at'], unique=False)
        batch_op.create_index('ix_report_conversations_tenant_day', ['tenant_id', 'day'], unique=False)
        batch_op.create_index('ix_report_conversations_frt', ['tenant_id', 'day', 'first_response_seconds'],
                              unique=False)
        batch_op.create_index('ix_report_conversations_when', ['tenant_id', 'weekday', 'hour', 'day'], unique=False)

    with op.batch_alter_table('tenants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('timezone', sa.String(length=64), server_default='Asia/Shanghai', nullable=False))



def downgrade() -> None:
    with op.batch_alter_table('tenants', schema=None) as batch_op:
        batch_op.drop_column('timezone')

    with op.batch_alter_table('report_conversations', schema=None) as batch_op:
        batch_op.drop_index('ix_report_conversations_when')
        batch_op.drop_index('ix_report_conversations_frt')
        batch_op.drop_index('ix_report_conversations_tenant_day')
        batch_op.drop_index('ix_report_conversations_customer')

    op.drop_table('report_conversations')
    op.drop_table('report_state')
    op.drop_table('report_hourly')
    with op.batch_alter_table('report_daily', schema=None) as batch_op:
        batch_op.drop_index('ix_report_daily_tenant_dim_day')

    op.drop_table('report_daily')
