"""The initiatives pages: volunteers, their screening, the initiative's rules, impact questions.

Access: signed in (else to the login page). The list and every change:
a project leader of some initiative (else 403) and an object of one's own
initiative (else 404). A volunteer's record: the initiative's project
leaders, or the volunteer themselves (read-only); anyone else gets a 404.

Views are thin: reads come from ``initiatives.selectors``, writes go through
``initiatives.services``. Each module here is one group of pages;
``initiatives/urls.py`` lists them all.
"""
