"""orders keep the phone they were placed with

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 21:40:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('buyer_phone', sa.String(length=32), nullable=False, server_default=''))
    # Existing orders were placed with the phone their address holds now (the best that is known).
    orders = sa.table('orders', sa.column('id', sa.Integer), sa.column('address', sa.JSON),
                      sa.column('buyer_phone', sa.String))
    bind = op.get_bind()
    for row in bind.execute(sa.select(orders.c.id, orders.c.address)).all():
        phone = str((row.address or {}).get('phone') or '')[:32]
        if phone:
            bind.execute(orders.update().where(orders.c.id == row.id).values(buyer_phone=phone))


def downgrade() -> None:
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_column('buyer_phone')
