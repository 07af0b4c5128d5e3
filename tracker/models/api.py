"""What the API keeps between requests: the first answer to each Idempotency-Key."""

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tracker.extensions import db
from tracker.models.base import Timestamped


class IdempotencyRecord(Timestamped, db.Model):
    """A POST made with an Idempotency-Key: claimed before the work (status NULL while it
    runs, 0 once it has committed), then holding the answer, which a retry with the same key
    and body gets again for 24 hours."""

    __tablename__ = "idempotency_record"
    __table_args__ = (db.UniqueConstraint("user_id", "key"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    key: Mapped[str] = mapped_column(String(200))
    request_sha256: Mapped[str] = mapped_column(String(64))
    status: Mapped[int | None] = mapped_column(Integer)
    body: Mapped[str | None] = mapped_column(Text)
    location: Mapped[str | None] = mapped_column(String(500))
