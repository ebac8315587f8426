"""URLs of the integrations app: import pages and the push API."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from integrations import api, views, views_tenders

app_name = "integrations"

urlpatterns = [
    path("imports/", views.job_list, name="job_list"),
    path("imports/sales/", views.sales_upload, name="sales_upload"),
    path("imports/<int:pk>/", views.job_detail, name="job_detail"),
    path("imports/<int:pk>/progress/", views.job_progress, name="job_progress"),
    path("imports/<int:pk>/cancel/", views.job_cancel, name="job_cancel"),
    path("imports/<int:pk>/errors.xlsx", views.job_errors_xlsx, name="job_errors_xlsx"),
    path("imports/tenders/", views_tenders.tender_upload, name="tender_upload"),
    path("imports/tenders/demo.xlsx", views_tenders.tender_demo_file, name="tender_demo_file"),
    path("imports/tenders/rules/", views_tenders.equipment_rules, name="tender_rules"),
    path("imports/tenders/<int:pk>/", views_tenders.tender_job, name="tender_job"),
    path("imports/tenders/<int:pk>/progress/", views_tenders.tender_progress, name="tender_progress"),
    path("imports/tenders/<int:pk>/cancel/", views_tenders.tender_cancel, name="tender_cancel"),
    path("imports/tenders/<int:pk>/rejected.xlsx", views_tenders.tender_rejected_xlsx, name="tender_rejected_xlsx"),
    path("imports/tenders/competitors/<int:client_id>/", views_tenders.competitor_detail, name="tender_competitor"),
    path("imports/tenders/clients/<int:client_id>/", views_tenders.client_tenders, name="tender_client"),
    path("api/v1/sales-documents", api.SalesDocumentsView.as_view(), name="api_sales_documents"),
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="api_schema"),
]
