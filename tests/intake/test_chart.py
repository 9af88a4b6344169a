from physiofit.intake import instruments
from physiofit.intake.chart import HEIGHT, line_chart
from physiofit.intake.selectors import Point, Series
from physiofit.intake.templatetags.intake_tags import series_chart, signed


def test_points_are_scaled_into_the_plot_and_clamped():
    chart = line_chart([0, 5, 10, 12], low=0, high=10)
    ys = [y for _, y in chart.points]
    assert ys[0] > ys[1] > ys[2] == ys[3]  # higher values are drawn higher; 12 is clamped
    assert all(0 <= y <= HEIGHT for y in ys)
    xs = [x for x, _ in chart.points]
    assert xs == sorted(xs)
    assert line_chart([4], low=0, high=10).points[0][0] > 0


def series(code, *values):
    return Series(
        instrument=instruments.get(code),
        points=[Point(at=None, value=v, display="", band="", label="") for v in values],
    )


def test_mcid_line_sits_at_the_easier_of_points_and_percent():
    # NPRS baseline 7: 2 points (to 5) is easier than 30 % (to 4.9).
    assert series_chart(series("nprs", 7, 3)).mcid_y == line_chart([5], low=0, high=10).points[0][1]
    # NPRS baseline 3: 30 % (to 2.1) is easier than 2 points (to 1).
    expected = line_chart([2.1], low=0, high=10).points[0][1]
    assert series_chart(series("nprs", 3, 2)).mcid_y == expected
    # PSFS: higher is better, 2 points only.
    assert series_chart(series("psfs", 4)).mcid_y == line_chart([6], low=0, high=10).points[0][1]


def test_signed_uses_a_true_minus():
    assert signed(-3.0) == "−3.0"
    assert signed(2, 0) == "+2"
    assert signed(None) == "–"
