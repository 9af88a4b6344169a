"""Admin views that write the audit log, declared once per patient-data viewset.

`class WaitlistViewSet(AuditedViewSetMixin, ModelViewSet)` records every listing, search,
export, view, history view, creation, change and deletion, and refuses a delete that protected
rows (appointments) would stop with a message instead of a ProtectedError (a 500).
"""

from collections import Counter

from django.core.exceptions import FieldDoesNotExist
from django.db import router, transaction
from django.db.models.deletion import Collector, ProtectedError, RestrictedError
from django.shortcuts import redirect
from django.urls import reverse
from wagtail.admin import messages
from wagtail.admin.views.generic import (
    CreateView,
    DeleteView,
    EditView,
    IndexView,
    InspectView,
)
from wagtail.admin.views.generic.history import HistoryView
from wagtail.admin.views.generic.usage import UsageView

from .models import AuditEvent, audit

SUMMARY_LIMIT = 300
DEFAULT_REASON = "those records are kept, so it cannot be deleted"


def protected_dependants(objects) -> str:
    """What keeps `objects` from being deleted, as "3 appointments" (empty when nothing does).

    Django's collector walks the same relations a real delete would, so nested PROTECT and
    RESTRICT foreign keys count too, without deleting anything.
    """
    objects = list(objects)
    if not objects:
        return ""
    collector = Collector(using=router.db_for_write(type(objects[0])))
    try:
        collector.collect(objects)
    except ProtectedError as error:
        blocking = error.protected_objects
    except RestrictedError as error:
        blocking = error.restricted_objects
    else:
        return ""
    counts = Counter(type(row)._meta for row in blocking)
    return " and ".join(
        f"{count} {opts.verbose_name if count == 1 else opts.verbose_name_plural}"
        for opts, count in counts.items()
    )


def refusal_message(obj, dependants: str, reason: str = DEFAULT_REASON) -> str:
    return f"{obj} has {dependants}; {reason}."


def display_value(instance, name: str) -> str:
    """A field's value as staff read it in the admin: choice labels, related rows' names."""
    try:
        field = instance._meta.get_field(name)
    except FieldDoesNotExist:
        return str(getattr(instance, name, ""))
    if field.many_to_many:
        return ", ".join(str(row) for row in getattr(instance, name).all()) or "—"
    if field.is_relation:
        return str(getattr(instance, name) or "—")
    if field.choices:
        return str(instance._get_FIELD_display(field))
    value = field.value_from_object(instance)
    return "—" if value in (None, "") else str(value)


def change_summary(changes: list[tuple[str, str, str]]) -> str:
    if not changes:
        return "saved without changes"
    return "; ".join(f"{name}: {old} → {new}" for name, old, new in changes)[:SUMMARY_LIMIT]


class AuditedIndexView(IndexView):
    """One LIST (or SEARCH, with the search term: the log must say who was looked up) event per
    page of results, and one EXPORT event per spreadsheet download.

    A listing declares no `list_export` to have no export at all: Wagtail would otherwise answer
    a hand-typed `?export=csv` with every row of the model.
    """

    audit_reads = True

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.is_export = self.is_export and bool(self.list_export)

    def filters_summary(self) -> str:
        if not self.is_filtering:
            return ""
        data = self.filters.form.cleaned_data
        return ", ".join(
            f"{name}={data[name]}"
            for name in self.filters.form.changed_data
            if data.get(name) not in (None, "", [])
        )

    def audit_listing(self, context) -> None:
        parts = []
        if self.is_searching:
            parts.append(f'"{self.search_query}"')
        if filters := self.filters_summary():
            parts.append(filters)
        if self.is_export:
            action = AuditEvent.Action.EXPORT
            parts.insert(0, f"{self.request.GET['export']}, {context['object_list'].count()} rows")
        elif not self.audit_reads:
            return
        else:
            action = AuditEvent.Action.SEARCH if self.is_searching else AuditEvent.Action.LIST
            if context.get("page_obj") is not None:
                parts.append(f"page {context['page_obj'].number}")
        audit(
            user=self.request.user,
            action=action,
            object_type=self.model._meta.label_lower,
            summary=", ".join(parts),
        )

    def render_to_response(self, context, **response_kwargs):
        self.audit_listing(context)
        return super().render_to_response(context, **response_kwargs)


class AuditedInspectView(InspectView):
    """Looking at a record is itself recorded."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        audit(user=self.request.user, action=AuditEvent.Action.VIEW, obj=self.object)
        return context


class AuditedHistoryView(HistoryView):
    """Wagtail's history of a record names it and lists who changed it: a read like any other."""

    def get_context_data(self, *args, **kwargs):
        context = super().get_context_data(*args, **kwargs)
        audit(user=self.request.user, action=AuditEvent.Action.HISTORY, obj=self.object)
        return context


class AuditedUsageView(UsageView):
    """The usage page's heading names the record."""

    def get_context_data(self, *args, **kwargs):
        context = super().get_context_data(*args, **kwargs)
        audit(
            user=self.request.user, action=AuditEvent.Action.VIEW, obj=self.object, summary="usage"
        )
        return context


class AuditedCreateView(CreateView):
    def save_instance(self):
        with transaction.atomic():
            instance = super().save_instance()
            audit(user=self.request.user, action=AuditEvent.Action.CREATE, obj=instance)
        return instance


class AuditedEditView(EditView):
    """Opening the form is a view; saving it is a change, logged with each changed field's old
    and new value so the log alone can say what a record held before."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.request.method == "GET":
            audit(user=self.request.user, action=AuditEvent.Action.VIEW, obj=self.object)
        return context

    def after_change(self, instance, changes: list[tuple[str, str, str]]) -> None:
        """Called inside the save's transaction with (field, old, new) for each real change."""

    def save_instance(self):
        with transaction.atomic():
            # The form has already written the new values onto self.object: read the old ones.
            before = self.model._default_manager.get(pk=self.object.pk)
            names = list(self.form.changed_data)
            old = {name: display_value(before, name) for name in names}
            instance = super().save_instance()
            changes = [
                (name, old[name], new)
                for name in names
                if (new := display_value(instance, name)) != old[name]
            ]
            audit(
                user=self.request.user,
                action=AuditEvent.Action.CHANGE,
                obj=instance,
                summary=change_summary(changes),
            )
            self.after_change(instance, changes)
        return instance


class AuditedDeleteView(DeleteView):
    """Deletes are logged; a delete that protected rows would stop is refused with a message."""

    refusal_reason = DEFAULT_REASON
    # Django's DeletionMixin answers the DELETE method by deleting at once: past the refusal
    # and the audit. A form posts; nothing else may delete.
    http_method_names = ["get", "post", "head", "options"]

    def refusal(self):
        dependants = protected_dependants([self.object])
        if not dependants:
            return None
        messages.error(self.request, refusal_message(self.object, dependants, self.refusal_reason))
        return redirect(self.get_refusal_url())

    def get_refusal_url(self) -> str:
        if self.edit_url_name and self.user_has_permission("change"):
            return reverse(self.edit_url_name, args=[self.object.pk])
        return reverse(self.index_url_name)

    # Checked in get and post, which run after the permission check: someone who may not
    # delete the record learns nothing about what it has.
    def get(self, request, *args, **kwargs):
        return self.refusal() or super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        return self.refusal() or super().post(request, *args, **kwargs)

    def delete_action(self):
        with transaction.atomic():
            # Written first: the row's id and patient are gone once it is deleted.
            audit(user=self.request.user, action=AuditEvent.Action.DELETE, obj=self.object)
            super().delete_action()


class AuditedViewSetMixin:
    """For a ModelViewSet of patient data: every view of it writes the audit log."""

    index_view_class = AuditedIndexView
    add_view_class = AuditedCreateView
    edit_view_class = AuditedEditView
    delete_view_class = AuditedDeleteView
    history_view_class = AuditedHistoryView
    usage_view_class = AuditedUsageView
    inspect_view_class = AuditedInspectView
    # A copy of a person's record would be a second, unaudited chart for the same person.
    copy_view_enabled = False
