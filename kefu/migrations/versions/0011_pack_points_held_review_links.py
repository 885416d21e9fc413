"""pack points held, review, links

Pack points a shop cannot use yet: held off for missing facts or the owner's review (service promises, possible
duplicates of the shop's own points), and keys linked to a shop's own point by meaning.

Revision ID: 0011
Revises: 0009
Create Date: 2026-12-04 21:28:14.534814
"""
import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('pack_points', schema=None) as batch_op:
        batch_op.add_column(sa.Column('held', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('missing_facts', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('review', sa.String(length=16), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('promise', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('linked_to', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('link_score', sa.Float(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_pack_points_linked_to_knowledge_points'), 'knowledge_points', ['linked_to'], ['id'], ondelete='SET NULL')


def downgrade() -> None:
    with op.batch_alter_table('pack_points', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_pack_points_linked_to_knowledge_points'), type_='foreignkey')
        batch_op.drop_column('link_score')
        batch_op.drop_column('linked_to')
        batch_op.drop_column('promise')
        batch_op.drop_column('review')
        batch_op.drop_column('missing_facts')
        batch_op.drop_column('held')
