from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


@login_required
def home(request: HttpRequest) -> HttpResponse:
    from crm.selectors.work import home_interactions, home_tasks

    context = {"home_tasks": home_tasks(user=request.user), "home_interactions": home_interactions(user=request.user)}
    return render(request, "crm/home.html", context)
