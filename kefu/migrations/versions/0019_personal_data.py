"""personal data: retention period, agents' view of contacts, erased customers, scrubbed conversations

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05 21:40:00.000000
"""
import sqlalchemy as sa
from alembic import op

import kefu.db

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('tenants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retention_days', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('agents_see_contacts', sa.Boolean(), server_default='0',
                                      nullable=False))
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('erased_at', kefu.db.UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table('conversations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scrubbed_at', kefu.db.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('conversations', schema=None) as batch_op:
        batch_op.drop_column('scrubbed_at')
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.drop_column('erased_at')
    with op.batch_alter_table('tenants', schema=None) as batch_op:
        batch_op.drop_column('agents_see_contacts')
        batch_op.drop_column('retention_days')
