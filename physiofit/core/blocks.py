"""The StreamField blocks every content page shares (one set, as in Wagtail's bakerydemo)."""

from django.utils.html import strip_tags
from wagtail import blocks
from wagtail.snippets.blocks import SnippetChooserBlock

RICH_TEXT_FEATURES = ["bold", "italic", "link", "ol", "ul"]


class HeadingBlock(blocks.StructBlock):
    text = blocks.CharBlock(max_length=120)
    level = blocks.ChoiceBlock(
        choices=[("h2", "Section heading"), ("h3", "Sub-heading")], default="h2"
    )

    class Meta:
        icon = "title"
        template = "blocks/heading.html"


class ListItemBlock(blocks.StructBlock):
    term = blocks.CharBlock(
        required=False, max_length=120, help_text="Optional bold lead-in, e.g. an exercise name."
    )
    text = blocks.TextBlock(required=False)

    class Meta:
        icon = "list-ul"


class ListSectionBlock(blocks.StructBlock):
    heading = blocks.CharBlock(required=False, max_length=120)
    numbered = blocks.BooleanBlock(required=False, help_text="Numbered steps instead of bullets.")
    items = blocks.ListBlock(ListItemBlock(), min_num=1)

    class Meta:
        icon = "list-ul"
        label = "List"
        template = "blocks/list_section.html"


class CalloutBlock(blocks.StructBlock):
    tone = blocks.ChoiceBlock(
        choices=[("info", "Information"), ("tip", "Tip"), ("caution", "Caution")], default="info"
    )
    title = blocks.CharBlock(required=False, max_length=120)
    text = blocks.RichTextBlock(features=RICH_TEXT_FEATURES)

    class Meta:
        icon = "warning"
        template = "blocks/callout.html"


class CallToActionBlock(blocks.StructBlock):
    heading = blocks.CharBlock(max_length=120)
    text = blocks.TextBlock(required=False)
    button_label = blocks.CharBlock(max_length=60, default="Book an evaluation")
    page = blocks.PageChooserBlock(required=False, help_text="Left empty: the contact page.")

    class Meta:
        icon = "pick"
        template = "blocks/call_to_action.html"


class ExerciseListBlock(blocks.StructBlock):
    """Exercises shown from the exercise library: edit an exercise once, every page follows.
    (Named by its label, not imported: the library is an app above this one.)"""

    heading = blocks.CharBlock(required=False, max_length=120, default="Exercises")
    exercises = blocks.ListBlock(SnippetChooserBlock("exercises.Exercise"), min_num=1)

    class Meta:
        icon = "pick"
        label = "Exercises from the library"
        template = "blocks/exercise_list.html"


class BaseStreamBlock(blocks.StreamBlock):
    heading = HeadingBlock()
    paragraph = blocks.RichTextBlock(features=RICH_TEXT_FEATURES, icon="pilcrow")
    list = ListSectionBlock()
    callout = CalloutBlock()
    call_to_action = CallToActionBlock()
    exercises = ExerciseListBlock()


def stream_text(stream) -> str:
    """All readable words of a StreamField value, for read time and search."""

    parts: list[str] = []

    def walk(value) -> None:
        if value is None:
            return
        if hasattr(value, "source"):  # RichText
            parts.append(strip_tags(value.source))
        elif isinstance(value, str):
            parts.append(value)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list | tuple) or hasattr(value, "__iter__"):
            for item in value:
                walk(getattr(item, "value", item))

    for child in stream:
        walk(child.value)
    return " ".join(p for p in parts if p)
