"""The weekly 'needs attention' digest for project leaders.

Every item the rules find (``referrals.attention``) is remembered as an
``AttentionSignal``, unique per (rule, subject, anchor). A digest lists only
the signals of today's items that were not reported before, so running the
job twice reports nothing the second time, and a new occasion (a new anchor,
e.g. a new gap after a session was held, a new VOG that expires in turn)
is reported again.

Each signal is claimed with a conditional ``UPDATE ... WHERE notified_at IS
NULL`` before it goes into a digest: of two workers running at once, only
one claims a signal, so no reminder is sent twice. The emails leave after
the commit. When no email of a digest could be sent at all, its claim is
released so the next run tries again.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from functools import partial

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import ngettext

from accounts.models import Membership, Role
from initiatives.models import Initiative

from ..attention import AttentionItem, group_by_rule, items_for_initiatives
from ..models import AttentionSignal

logger = logging.getLogger(__name__)

Key = tuple[str, str, str]


def record_signals(items: list[AttentionItem]) -> None:
    """Remember each item once; an occasion seen before is left as it is."""
    AttentionSignal.objects.bulk_create(
        [
            AttentionSignal(
                initiative=item.initiative,
                rule=item.rule,
                subject=item.subject,
                anchor=item.anchor,
                match=item.match,
                volunteer=item.volunteer,
            )
            for item in items
        ],
        ignore_conflicts=True,
        batch_size=500,
    )


def claim_signals(signal_ids: list[int], *, now: dt.datetime) -> list[int]:
    """Mark signals notified; returns the ids this call claimed.

    One conditional UPDATE per signal: a signal another worker claimed
    first (even between our read and this update) updates no row here.
    """
    claimed = []
    for pk in sorted(signal_ids):  # one order, so two workers cannot deadlock
        if AttentionSignal.objects.filter(pk=pk, notified_at__isnull=True).update(notified_at=now):
            claimed.append(pk)
    return claimed


@transaction.atomic
def send_attention_digests(*, today: dt.date | None = None) -> int:
    """Email each initiative's project leaders one digest of what is new.

    Returns the number of emails to be sent (one per project leader of each
    initiative with something new); they leave after the commit.
    """
    today = today or timezone.localdate()
    initiatives = list(Initiative.objects.order_by("pk"))
    with translation.override(settings.LANGUAGE_CODE):
        items = items_for_initiatives(initiatives, today=today)
    if not items:
        return 0
    record_signals(items)
    pending: dict[Key, int] = {
        (rule, subject, anchor): pk
        for pk, rule, subject, anchor in AttentionSignal.objects.filter(
            initiative_id__in={item.initiative.pk for item in items}, notified_at__isnull=True
        ).values_list("pk", "rule", "subject", "anchor")
    }
    new_by_initiative: dict[int, list[AttentionItem]] = defaultdict(list)
    for item in items:
        if item.key in pending:
            new_by_initiative[item.initiative.pk].append(item)
    recipients = project_leader_emails(list(new_by_initiative))
    now = timezone.now()
    sent = 0
    for initiative in initiatives:
        new = new_by_initiative.get(initiative.pk)
        addresses = recipients.get(initiative.pk)
        if not new or not addresses:
            continue  # nothing new, or nobody to tell yet: keep the signals pending
        claimed_ids = set(claim_signals([pending[item.key] for item in new], now=now))
        claimed = [item for item in new if pending[item.key] in claimed_ids]
        if not claimed:
            continue
        messages = _digest_messages(initiative, claimed, addresses)
        transaction.on_commit(
            partial(_deliver, messages, signal_ids=sorted(claimed_ids), claimed_at=now),
            robust=True,
        )
        sent += len(messages)
    return sent


def project_leader_emails(initiative_ids: list[int]) -> dict[int, list[str]]:
    """The addresses of each initiative's current project leaders (ended memberships excluded)."""
    emails: dict[int, set[str]] = defaultdict(set)
    for initiative_id, email in (
        Membership.objects.current()
        .filter(role=Role.PROJECT_LEADER, initiative_id__in=initiative_ids, user__is_active=True)
        .values_list("initiative_id", "user__email")
    ):
        if email:
            emails[initiative_id].add(email)
    return {pk: sorted(addresses) for pk, addresses in emails.items()}


def _digest_messages(
    initiative: Initiative, items: list[AttentionItem], addresses: list[str]
) -> list[EmailMultiAlternatives]:
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "initiative": initiative,
            "groups": group_by_rule(items),
            "count": len(items),
            "site_url": settings.SITE_URL,
            "url": settings.SITE_URL + reverse("referrals:attention"),
        }
        subject = ngettext(
            "%(initiative)s: %(count)s new item needs attention",
            "%(initiative)s: %(count)s new items need attention",
            len(items),
        ) % {"initiative": initiative.name, "count": len(items)}
        body = render_to_string("referrals/email/attention_digest.txt", context)
        html = render_to_string("referrals/email/attention_digest.html", context)
    messages = []
    for address in addresses:  # one message each: leaders do not see each other's address
        message = EmailMultiAlternatives(" ".join(subject.split()), body, None, [address])
        message.attach_alternative(html, "text/html")
        messages.append(message)
    return messages


def _deliver(
    messages: list[EmailMultiAlternatives], *, signal_ids: list[int], claimed_at: dt.datetime
) -> None:
    connection = get_connection()
    delivered = 0
    for message in messages:
        message.connection = connection
        try:
            delivered += message.send()
        except Exception:
            logger.exception("Could not send an attention digest email")
    if messages and not delivered:
        # Nobody got it: release the claim so the next run sends it.
        AttentionSignal.objects.filter(pk__in=signal_ids, notified_at=claimed_at).update(
            notified_at=None
        )
