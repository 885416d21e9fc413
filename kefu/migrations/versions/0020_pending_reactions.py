"""pending reactions: the bot's answers and handoffs owed to committed events, kept until done

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05 22:00:00.000000
"""
import sqlalchemy as sa
from alembic import op

import kefu.db

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'pending_reactions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('reaction', sa.String(length=64), nullable=False),
        sa.Column('key', sa.String(length=128), nullable=True),
        sa.Column('tenant_id', sa.Integer(), nullable=True),
        sa.Column('conversation_id', sa.Integer(), nullable=True),
        sa.Column('event', sa.JSON(), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('due_at', kefu.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('last_error', sa.Text(), nullable=False),
        sa.Column('created_at', kefu.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_pending_reactions')),
        sa.UniqueConstraint('key', name=op.f('uq_pending_reactions_key')),
    )
    op.create_index('ix_pending_reactions_due_at', 'pending_reactions', ['due_at'], unique=False)
    op.create_index('ix_pending_reactions_conversation_id_id', 'pending_reactions', ['conversation_id', 'id'],
                    unique=False)


def downgrade() -> None:
    op.drop_index('ix_pending_reactions_conversation_id_id', table_name='pending_reactions')
    op.drop_index('ix_pending_reactions_due_at', table_name='pending_reactions')
    op.drop_table('pending_reactions')
