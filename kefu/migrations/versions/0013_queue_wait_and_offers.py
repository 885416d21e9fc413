"""queue place at entry, leave-a-message offer, status index

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-25 10:00:00.000000
"""
import sqlalchemy as sa
from alembic import op

import kefu.db

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('conversations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('queued_position', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('wait_offered_at', kefu.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_conversations_status', ['status'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('conversations', schema=None) as batch_op:
        batch_op.drop_index('ix_conversations_status')
        batch_op.drop_column('wait_offered_at')
        batch_op.drop_column('queued_position')
