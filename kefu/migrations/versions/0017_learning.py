"""learning decisions (groups of unanswered questions made into knowledge or ignored)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-20 10:00:00.000000
"""
import sqlalchemy as sa
from alembic import op

import kefu.db

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'learning_decisions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('tenant_id', sa.Integer(), nullable=False),
        sa.Column('fingerprint', sa.String(length=64), nullable=False),
        sa.Column('decision', sa.String(length=16), nullable=False),
        sa.Column('question', sa.String(length=500), nullable=False),
        sa.Column('message_ids', sa.JSON(), nullable=False),
        sa.Column('texts', sa.JSON(), nullable=False),
        sa.Column('point_id', sa.Integer(), nullable=True),
        sa.Column('decided_by', sa.Integer(), nullable=True),
        sa.Column('created_at', kefu.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['decided_by'], ['users.id'], name=op.f('fk_learning_decisions_decided_by_users'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['point_id'], ['knowledge_points.id'],
                                name=op.f('fk_learning_decisions_point_id_knowledge_points'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_learning_decisions_tenant_id_tenants'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_learning_decisions')),
        sa.UniqueConstraint('tenant_id', 'fingerprint', name='uq_learning_decisions_tenant_fingerprint'),
    )
    with op.batch_alter_table('learning_decisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_learning_decisions_tenant_id'), ['tenant_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('learning_decisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_learning_decisions_tenant_id'))
    op.drop_table('learning_decisions')
