import pytest
from django.core.exceptions import ValidationError

from physiofit.exercises.dosage import dosage_text, frequency_text
from physiofit.exercises.video import embed_url, validate_video_url


def test_dosage_reads_as_one_line():
    text = dosage_text(
        sets=3,
        reps=10,
        hold_seconds=5,
        side="each",
        load="light band",
        rest_seconds=60,
        times_per_day=1,
        days_per_week=7,
    )
    assert (
        text
        == "3 sets of 10 reps, hold 5 s, each side, light band, rest 60 s; once a day, every day"
    )


def test_dosage_without_reps_and_singulars():
    text = dosage_text(
        sets=1,
        reps=None,
        hold_seconds=30,
        side="",
        load="",
        rest_seconds=None,
        times_per_day=2,
        days_per_week=3,
    )
    assert text == "1 set, hold 30 s; twice a day, 3 days a week"
    assert frequency_text(3, 7) == "3 times a day, every day"


@pytest.mark.parametrize(
    ("url", "embed"),
    [
        ("https://youtu.be/dQw4w9WgXcQ", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"),
        (
            "https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=3",
            "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ",
        ),
        (
            "https://m.youtube.com/shorts/dQw4w9WgXcQ",
            "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ",
        ),
        ("https://vimeo.com/123456789", "https://player.vimeo.com/video/123456789?dnt=1"),
        ("https://example.com/video.mp4", None),
        ("javascript:alert(1)", None),
        ("https://www.youtube.com/watch?v=<script>", None),
        ("https://youtube.com.evil.example/watch?v=dQw4w9WgXcQ", None),
    ],
)
def test_only_youtube_and_vimeo_links_are_embedded(url, embed):
    assert embed_url(url) == embed


def test_an_unknown_video_link_is_refused_with_a_reason():
    with pytest.raises(ValidationError, match="YouTube or Vimeo"):
        validate_video_url("https://example.com/clip")
