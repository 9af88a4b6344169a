"""Structured blocks for condition pages, so a second condition needs no code."""

from wagtail import blocks

from physiofit.core.blocks import ListItemBlock


class DurationKindBlock(blocks.StructBlock):
    name = blocks.CharBlock(max_length=60, help_text="e.g. Acute")
    duration = blocks.CharBlock(max_length=80, help_text="e.g. 4 to 12 weeks")
    description = blocks.TextBlock()

    class Meta:
        icon = "time"
        label = "Kind by duration"


class CauseGroupBlock(blocks.StructBlock):
    category = blocks.ChoiceBlock(
        choices=[
            ("mechanical", "Mechanical or structural"),
            ("inflammatory", "Inflammatory"),
            ("medical", "Other medical conditions"),
            ("other", "Other"),
        ]
    )
    heading = blocks.CharBlock(max_length=120)
    intro = blocks.TextBlock(required=False)
    causes = blocks.ListBlock(ListItemBlock(), min_num=1)

    class Meta:
        icon = "list-ul"
        label = "Group of causes"


class PreventionTipBlock(blocks.StructBlock):
    title = blocks.CharBlock(max_length=120)
    text = blocks.TextBlock()

    class Meta:
        icon = "tick-inverse"
        label = "Prevention tip"


class SymptomBlock(blocks.CharBlock):
    class Meta:
        icon = "pick"
        label = "Symptom"
