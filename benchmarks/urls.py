"""The application's URLs plus ``/bench/floor/``, for the benchmark server only."""

from django.urls import path

from config.urls import handler403, handler404, handler429, handler500, urlpatterns  # noqa: F401

from .views import floor

urlpatterns = [path("bench/floor/", floor, name="bench_floor"), *urlpatterns]
