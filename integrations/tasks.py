"""Celery tasks of the integrations app: each one only calls a service."""

from celery import shared_task


@shared_task
def sales_inbox_pickup_task() -> None:
    from integrations.services.sales_import import import_jobs_fail_stale, sales_inbox_pickup

    import_jobs_fail_stale()
    sales_inbox_pickup()


@shared_task
def sales_import_job_task(job_id: int) -> None:
    from integrations.services.sales_import import sales_import_job_run

    sales_import_job_run(job_id=job_id)


@shared_task
def tender_import_task(job_id: int) -> None:
    from integrations.services.tender_import import tender_import_job_run

    tender_import_job_run(job_id=job_id)


@shared_task
def tender_jobs_recover_stale_task() -> None:
    from integrations.services.tender_import import tender_jobs_recover_stale

    tender_jobs_recover_stale()
