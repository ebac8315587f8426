"""The Deals tab of the client card."""

from django.utils.translation import gettext_lazy as _


def deals_tab_context(request, client) -> dict:
    from funnel.models import Deal

    deals = (
        Deal.objects.visible_to(request.user)
        .filter(client=client)
        .with_light(user=request.user)
        .select_related("stage", "responsible", "scenario", "loss_reason")
        .order_by("status", "-created_at")[:100]
    )
    return {"deals": deals}


def register_deals_tab(cards) -> None:
    cards.register_client_tab(
        "deals",
        _("Deals"),
        "funnel/_client_tab.html",
        context_fn=deals_tab_context,
        order=30,
        permission="funnel.view_deal",
    )
