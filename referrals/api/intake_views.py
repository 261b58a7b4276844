"""Placeholder, replaced by the endpoints."""


def register(router):
    """Register this module's viewsets on the referrals API router."""
