from django.apps import AppConfig


class FlowConfig(AppConfig):
    """The top layer: the pages patients go through that compose the apps below (the public
    booking flow with its screening gate, the manage page, the booking API) and the demo
    loader. Nothing below imports it (tests/test_layers.py)."""

    name = "physiofit.flow"
    label = "flow"
    verbose_name = "Patient-facing flow"
