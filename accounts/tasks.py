from celery import shared_task

from . import selectors, services


@shared_task
def send_invitation_email(invitation_id: int) -> None:
    """Email one invitation. Does nothing for a missing or already accepted invitation."""
    invitation = selectors.invitation_get(invitation_id=invitation_id)
    if invitation is None:
        return
    services.invitation_email_deliver(invitation=invitation)
