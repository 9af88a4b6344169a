"""The exercise library and program templates: clinic content, edited in the admin like pages.

An exercise keeps a revision on every save, so a program's history can show the instructions as
they stood on any date; programs and the blog show the current text (one source)."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from modelcluster.models import ClusterableModel
from wagtail import blocks
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import StreamField
from wagtail.models import Orderable, RevisionMixin
from wagtail.search import index
from wagtail.snippets.blocks import SnippetChooserBlock

from physiofit.core.text import validate_single_line

from .. import dosage
from .. import video as video_links


class Region(models.TextChoices):
    NECK = "neck", "Neck"
    MID_BACK = "mid_back", "Mid back"
    LOW_BACK = "low_back", "Low back"
    CORE = "core", "Core and trunk"
    HIP = "hip", "Hip and pelvis"
    KNEE = "knee", "Knee"
    ANKLE = "ankle", "Ankle and foot"
    SHOULDER = "shoulder", "Shoulder"
    WHOLE = "whole", "Whole body"


class Equipment(models.TextChoices):
    NONE = "none", "None"
    MAT = "mat", "Mat"
    FOAM_ROLLER = "foam_roller", "Foam roller"
    BAND = "band", "Resistance band"
    DOWEL = "dowel", "Dowel or broomstick"
    BENCH = "bench", "Bench or chair"
    WEIGHTS = "weights", "Weights"
    BALL = "ball", "Exercise ball"


class Difficulty(models.IntegerChoices):
    EASY = 1, "Easy"
    MODERATE = 2, "Moderate"
    HARD = 3, "Hard"


class Dosage(models.Model):
    """How much of an exercise: an exercise's defaults, or what a therapist prescribed."""

    sets = models.PositiveSmallIntegerField(
        default=2, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    reps = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    hold_seconds = models.PositiveSmallIntegerField(
        "hold (seconds)",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(600)],
    )
    side = models.CharField(max_length=5, choices=dosage.SIDES, blank=True)
    load = models.CharField(
        max_length=60,
        blank=True,
        validators=[validate_single_line],
        help_text="e.g. light band, 8 kg",
    )
    rest_seconds = models.PositiveSmallIntegerField(
        "rest (seconds)", null=True, blank=True, validators=[MaxValueValidator(600)]
    )
    times_per_day = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    days_per_week = models.PositiveSmallIntegerField(
        default=7, validators=[MinValueValidator(1), MaxValueValidator(7)]
    )

    DOSAGE_FIELDS = (
        "sets",
        "reps",
        "hold_seconds",
        "side",
        "load",
        "rest_seconds",
        "times_per_day",
        "days_per_week",
    )

    class Meta:
        abstract = True

    def dosage_values(self) -> dict:
        return {name: getattr(self, name) for name in self.DOSAGE_FIELDS}

    @property
    def dosage_text(self) -> str:
        return dosage.dosage_text(**self.dosage_values())

    @property
    def frequency_text(self) -> str:
        return dosage.frequency_text(self.times_per_day, self.days_per_week)


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


class Exercise(RevisionMixin, index.Indexed, ClusterableModel, Dosage):
    name = models.CharField(max_length=120, unique=True, validators=[validate_single_line])
    slug = models.SlugField(max_length=80, unique=True)
    purpose = models.TextField(max_length=600, help_text="Why the patient does it, in a sentence.")
    starting_position = models.TextField(max_length=600)
    steps = models.TextField(max_length=3000, help_text="One step per line.")
    cues = models.TextField(
        max_length=1000, blank=True, help_text='One per line, e.g. "Keep your ribs down".'
    )
    common_mistakes = models.TextField(max_length=1000, blank=True, help_text="One per line.")
    precautions = models.TextField(max_length=1000, blank=True)
    body_region = models.CharField(max_length=10, choices=Region.choices)
    equipment = models.CharField(max_length=12, choices=Equipment.choices, default="none")
    difficulty = models.PositiveSmallIntegerField(
        choices=Difficulty.choices, default=Difficulty.EASY
    )
    easier = ParentalManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="harder",
        verbose_name="easier variants",
        help_text="Regressions. The harder variants are the exercises that list this one here.",
    )
    video = models.ForeignKey(
        "wagtaildocs.Document",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="An uploaded video file (MP4 or WebM).",
    )
    video_url = models.URLField(
        "video link",
        blank=True,
        validators=[video_links.validate_video_url],
        help_text="Or a YouTube or Vimeo link, shown without tracking cookies.",
    )
    media_source = models.URLField(
        blank=True, help_text="Where pictures or video taken from elsewhere come from."
    )
    media_licence = models.CharField(
        max_length=120, blank=True, validators=[validate_single_line], help_text="e.g. CC BY 4.0"
    )
    media_attribution = models.CharField(
        max_length=200, blank=True, validators=[validate_single_line]
    )
    active = models.BooleanField(
        default=True, help_text="Offered when building programs. Programs that use it keep it."
    )

    panels = [
        FieldPanel("name"),
        FieldPanel("slug"),
        FieldPanel("purpose"),
        FieldRowPanel(
            [FieldPanel("body_region"), FieldPanel("equipment"), FieldPanel("difficulty")]
        ),
        MultiFieldPanel(
            [
                FieldPanel("starting_position"),
                FieldPanel("steps"),
                FieldPanel("cues"),
                FieldPanel("common_mistakes"),
                FieldPanel("precautions"),
            ],
            heading="Instructions",
        ),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("sets"), FieldPanel("reps"), FieldPanel("hold_seconds")]),
                FieldRowPanel([FieldPanel("side"), FieldPanel("load"), FieldPanel("rest_seconds")]),
                FieldRowPanel([FieldPanel("times_per_day"), FieldPanel("days_per_week")]),
            ],
            heading="Default dosage",
        ),
        FieldPanel("easier"),
        InlinePanel("images", label="Pictures", max_num=6),
        MultiFieldPanel(
            [
                FieldPanel("video"),
                FieldPanel("video_url"),
                FieldPanel("media_source"),
                FieldPanel("media_licence"),
                FieldPanel("media_attribution"),
            ],
            heading="Video and media credits",
        ),
        FieldPanel("active"),
    ]
    search_fields = [
        index.SearchField("name"),
        index.AutocompleteField("name"),
        index.SearchField("purpose"),
        index.SearchField("steps"),
        index.FilterField("body_region"),
        index.FilterField("equipment"),
        index.FilterField("difficulty"),
        index.FilterField("active"),
    ]

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def step_list(self) -> list[str]:
        return _lines(self.steps)

    @property
    def cue_list(self) -> list[str]:
        return _lines(self.cues)

    @property
    def mistake_list(self) -> list[str]:
        return _lines(self.common_mistakes)

    @property
    def embed_url(self) -> str | None:
        return video_links.embed_url(self.video_url) if self.video_url else None


class ExerciseImage(Orderable):
    exercise = ParentalKey(Exercise, on_delete=models.CASCADE, related_name="images")
    image = models.ForeignKey("wagtailimages.Image", on_delete=models.CASCADE, related_name="+")
    caption = models.CharField(max_length=200, blank=True, validators=[validate_single_line])

    panels = [FieldPanel("image"), FieldPanel("caption")]


class TemplateExerciseBlock(blocks.StructBlock):
    exercise = SnippetChooserBlock("exercises.Exercise")
    sets = blocks.IntegerBlock(required=False, min_value=1, max_value=10)
    reps = blocks.IntegerBlock(required=False, min_value=1, max_value=100)
    hold_seconds = blocks.IntegerBlock(required=False, min_value=1, max_value=600)
    note = blocks.CharBlock(required=False, max_length=300, help_text="A note to the patient.")

    class Meta:
        icon = "list-ol"
        help_text = "Empty dosage fields take the exercise's defaults."


class TemplatePhaseBlock(blocks.StructBlock):
    name = blocks.CharBlock(max_length=120, help_text="e.g. Thoracolumbar mobility")
    first_week = blocks.IntegerBlock(min_value=1, max_value=52, default=1)
    weeks = blocks.IntegerBlock(min_value=1, max_value=52, default=2)
    exercises = blocks.ListBlock(TemplateExerciseBlock(), min_num=1)

    class Meta:
        icon = "date"


class ProgramTemplate(index.Indexed, models.Model):
    """A ready-made program (phases of exercises with weeks) a therapist starts from."""

    name = models.CharField(max_length=120, unique=True, validators=[validate_single_line])
    description = models.TextField(max_length=600, blank=True)
    phases = StreamField([("phase", TemplatePhaseBlock())], min_num=1)

    panels = [FieldPanel("name"), FieldPanel("description"), FieldPanel("phases")]
    search_fields = [index.SearchField("name"), index.AutocompleteField("name")]

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


@register_setting(icon="pick")
class ExerciseSettings(BaseSiteSetting):
    """The clinic's rules for home-exercise programs (pain thresholds follow Silbernagel et al.,
    Am J Sports Med 2007: 0-2 safe, up to 5 acceptable, above 5 too much)."""

    max_exercises = models.PositiveSmallIntegerField(
        "exercises at once before a warning",
        default=6,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
        help_text="Adherence falls as a program grows: the program editor warns above this.",
    )
    pain_safe_max = models.PositiveSmallIntegerField(
        "highest safe pain (0-10)",
        default=2,
        validators=[MaxValueValidator(9)],
        help_text="Pain at or below this during exercise is safe. A rise that stays here is not flagged.",
    )
    pain_acceptable_max = models.PositiveSmallIntegerField(
        "highest acceptable pain (0-10)",
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(9)],
        help_text="Pain above this during a session flags the exercise and asks the patient to stop it.",
    )
    inactive_days = models.PositiveSmallIntegerField(
        "days without a session before a patient is listed",
        default=5,
        validators=[MinValueValidator(2), MaxValueValidator(60)],
    )

    panels = [
        FieldPanel("max_exercises"),
        FieldPanel("pain_safe_max"),
        FieldPanel("pain_acceptable_max"),
        FieldPanel("inactive_days"),
    ]

    class Meta:
        verbose_name = "Home exercises"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        super().clean()
        if self.pain_safe_max >= self.pain_acceptable_max:
            raise ValidationError(
                {"pain_acceptable_max": "Must be higher than the highest safe pain."}
            )
