"""Domain events of the core, and the core's own receivers.

Later apps subscribe to the events in their AppConfig.ready. Services send each event
on commit of the transaction that made the change, so receivers see committed data.
"""

from django.db.models.signals import post_migrate, post_save
from django.dispatch import Signal, receiver

from crm.models import User
from crm.roles import sync_role_groups, sync_user_group

# sender=Client, client=<Client>, by=<User|None>
client_created = Signal()
# sender=Client, client=<Client>, fields=<set[str]>, by=<User>: a client's details were edited;
# `fields` names the fields whose values changed. `equipment` re-copies region and responsible.
client_changed = Signal()
# sender=Client, kept=<Client>, merged_id=<int>, by=<User>
clients_merged = Signal()
# sender=Client, client_ids=<list[int]>, from_user=<User>, to_user=<User>, by=<User>
clients_transferred = Signal()
# sender=Interaction, interaction=<Interaction>
interaction_logged = Signal()


@receiver(post_save, sender=User, dispatch_uid="crm.user_role_group")
def _user_role_group(sender, instance: User, raw: bool = False, **kwargs) -> None:
    if not raw:
        sync_user_group(instance)


post_migrate.connect(sync_role_groups, dispatch_uid="crm.sync_role_groups")

# Sent by the sales-document service on commit when an invoice, payment or shipment is
# created or changes state. sender=SalesDocument, document=<SalesDocument>, created=<bool>,
# became_posted=<bool>, batch_follows=<bool>: True when the same document comes again in the
# sales_documents_posted that follows, so a receiver of both handles it there, once.
# `funnel` moves the deal of a document sent without batch_follows.
sales_document_posted = Signal()
# Sent once per import on commit, after the per-document signals, with every document the
# import created or changed. sender=SalesDocument, documents=<list[SalesDocument]>.
# `equipment` queues one set-based task per batch of posted shipments; `funnel` moves deals,
# batch by batch.
sales_documents_posted = Signal()
