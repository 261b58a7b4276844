"""The floor: the least a page can cost on this server.

A signed-in request through the whole middleware stack (session, user,
processing log, security headers) to a view that runs one small database
query and returns a few bytes. Each page's throughput is given as a ratio to
this one.
"""

from django.http import HttpResponse

from initiatives.models import Initiative


def floor(request):
    first = Initiative.objects.order_by("pk").values_list("pk", flat=True).first()
    return HttpResponse(f"ok {first}\n", content_type="text/plain")
