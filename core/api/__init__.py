"""What every endpoint of the REST API shares: errors, pagination,
permissions, the API-Version header and the OpenAPI conventions.

The endpoints themselves live in each app's ``api`` package and stay thin:
they read through ``visible_to(user)`` selectors and write through the same
services as the pages.
"""
