from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from crm.services.system import health_report


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    report, ok = health_report()
    report["status"] = "ok" if ok else "fail"
    return JsonResponse(report, status=200 if ok else 503)
