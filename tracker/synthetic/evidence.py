"""The synthetic dataset's evidence: stored files that many records share, as re-used documents
do, and a library per organisation and cycle linked to its responses."""

import io
import math
from datetime import timedelta

from flask import current_app

from tracker.evidence import filetype
from tracker.evidence.storage import EvidenceStore, open_store
from tracker.models import Evidence, EvidenceLink
from tracker.models.evidence import EVIDENCE_KINDS
from tracker.synthetic import EVIDENCE_PER_RESPONSE, FILES, _at


def _store(store: EvidenceStore, name: str, data: bytes) -> tuple[str, int, str, str]:
    """Put a file in the evidence store as an upload is put: type checked from its content."""
    found = {}
    kept = store.put(
        io.BytesIO(data),
        len(data) + 1,
        lambda p: found.setdefault("type", filetype.detect(p, name)),
    )
    return kept.sha256, kept.size, name, found["type"].mime


class EvidenceRows:
    """The Generator's evidence rows (it provides rng, add and coordinator)."""

    def files(self) -> None:
        store = open_store(current_app.config)
        self.stored = []
        for n in range(FILES):
            csv = n % 2 == 1
            name = f"synthetic-{n:02d}." + ("csv" if csv else "txt")
            if csv:
                body = "quarter,referrals,within_24h\n" + "".join(
                    f"Q{q},{self.rng.randint(50, 400)},{self.rng.randint(60, 99)}%\n"
                    for q in range(1, 5)
                )
            else:
                body = f"Synthetic evidence document {n}.\n" + "Minutes of the board. " * 20
            self.stored.append(_store(store, name, body.encode()))

    # --- one cycle -------------------------------------------------------------------------

    def _evidence(self, responses, opens) -> None:
        """A library per organisation and cycle, each piece linked to about two responses."""
        by_org: dict[int, list] = {}
        for row in responses:
            by_org.setdefault(row[1]["organisation_id"], []).append(row)
        for org_id, rows in by_org.items():
            size = math.ceil(len(rows) * EVIDENCE_PER_RESPONSE / 2)
            uploader = self.coordinator[org_id]
            library = []
            for n in range(size):
                on = opens + timedelta(days=self.rng.randint(0, 300))
                stored = {"url": f"https://evidence.example/{org_id}/{opens.year}/{n}"}
                if self.rng.random() < 0.6:
                    sha, size_bytes, name, mime = self.rng.choice(self.stored)
                    stored = dict(
                        sha256=sha, size_bytes=size_bytes, filename=name, content_type=mime
                    )
                withdrawn = self.rng.random() < 0.02
                source = org_id if self.rng.random() < 0.5 else self.rng.choice(self.all_org_ids)
                library.append(
                    self.add(
                        Evidence,
                        organisation_id=org_id,
                        title=f"Evidence {opens.year}-{n:03d}",
                        kind=self.rng.choice(EVIDENCE_KINDS),
                        source_organisation_id=source,
                        evidence_date=on,
                        description="Synthetic evidence.",
                        uploaded_by_id=uploader,
                        withdrawn_at=_at(on) if withdrawn else None,
                        withdrawn_by_id=uploader if withdrawn else None,
                        withdrawn_reason="Superseded." if withdrawn else None,
                        created_at=_at(on),
                        updated_at=_at(on),
                        **stored,
                    )
                )
            for response, _assessment, _framework in rows:
                for evidence_id in self.rng.sample(
                    library, min(EVIDENCE_PER_RESPONSE, len(library))
                ):
                    self.add(
                        EvidenceLink,
                        evidence_id=evidence_id,
                        response_id=response["id"],
                        note=None,
                        carried_over=False,
                        linked_by_id=uploader,
                        created_at=_at(opens),
                        updated_at=_at(opens),
                    )
