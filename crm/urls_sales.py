"""URLs of sales, the catalogue and ABC (included into the "crm" namespace)."""

from django.urls import path

from crm.views import sales

urlpatterns = [
    path("sales/analysis/", sales.sales_analysis, name="sales_analysis"),
    path("sales/analysis/export/", sales.sales_analysis_export, name="sales_analysis_export"),
    path("sales/documents/", sales.document_list, name="sales_documents"),
    path("sales/documents/<int:pk>/", sales.document_detail, name="sales_document_detail"),
    path("sales/abc/", sales.abc_runs, name="abc"),
    path("sales/abc/run/", sales.abc_run, name="abc_run"),
    path("sales/abc/<int:pk>/", sales.abc_run_detail, name="abc_run_detail"),
    path("catalog/", sales.product_list, name="product_list"),
    path("catalog/<int:pk>/", sales.product_detail, name="product_detail"),
]
