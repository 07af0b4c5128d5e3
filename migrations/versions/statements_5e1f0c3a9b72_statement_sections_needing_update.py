"""statement sections whose other language was edited since

Revision ID: 5e1f0c3a9b72
Revises: 5e2c7a1f9b30
Create Date: 2026-12-03 12:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5e1f0c3a9b72'
down_revision = '5e2c7a1f9b30'
branch_labels = None
depends_on = None


def upgrade():
    # Statements written before this revision have no section marked: NULL reads as none.
    with op.batch_alter_table('statement', schema=None) as batch_op:
        batch_op.add_column(sa.Column('needs_updating', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('statement', schema=None) as batch_op:
        batch_op.drop_column('needs_updating')
