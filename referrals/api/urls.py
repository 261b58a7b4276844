from rest_framework.routers import SimpleRouter

from . import intake_views, matching_views

router = SimpleRouter()
intake_views.register(router)
matching_views.register(router)

urlpatterns = router.urls
