"""Celery tasks of the funnel app: they take ids and call a service."""

import logging

from celery import shared_task

from funnel.services.documents import deals_apply_document_ids

log = logging.getLogger(__name__)


@shared_task
def funnel_apply_documents_task(document_ids: list[int]) -> int:
    """Link posted sales documents to their deals and move the deals (idempotent); return the moves made."""
    try:
        return len(deals_apply_document_ids(document_ids=document_ids))
    except Exception:
        # Logged, not raised: a failed task would stop the rest of the import's chain. The moves are
        # idempotent, so the documents posted again (a new version) are applied again.
        log.exception("Automatic deal moves failed for %d documents (first %s)", len(document_ids), document_ids[0])
        return 0
