"""Dashboards: the municipal dashboard (suppressed) and the initiative's own (exact).

``selectors`` assembles the figures through ``reports.indicators``; ``views``
lists its own ``urlpatterns``, appended to ``municipality.urls``.
"""
