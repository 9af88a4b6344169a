"""Panels apps add to the admin dashboard (construct_homepage_panels)."""

from wagtail.admin.ui.components import Component


class DashboardPanel(Component):
    """One dashboard panel: a template and what it shows, with the clinic (for its time zone)."""

    def __init__(self, *, name: str, order: int, template_name: str, **context):
        self.name = name
        self.order = order
        self.template_name = template_name
        self.context = context

    def get_context_data(self, parent_context):
        return {"clinic": parent_context.get("clinic"), **self.context}
