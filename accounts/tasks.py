from celery import shared_task
from django.db import transaction
from django.utils import timezone

from . import selectors, services
from .models import Invitation


@shared_task
def send_invitation_email(invitation_id: int) -> None:
    """Email one invitation, once.

    Does nothing for a missing, already emailed or already accepted
    invitation, so a retried or duplicated task sends no second email.
    """
    with transaction.atomic():
        locked = (
            Invitation.objects.select_for_update()
            .filter(pk=invitation_id, email_sent_at__isnull=True)
            .first()
        )
        if locked is None:
            return
        invitation = selectors.invitation_get(invitation_id=invitation_id)
        if services.invitation_email_deliver(invitation=invitation):
            Invitation.objects.filter(pk=invitation_id).update(email_sent_at=timezone.now())
