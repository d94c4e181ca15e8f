"""Survey scoring as plain data: no database, hand-computed numbers and properties."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from surveys.scoring import (
    CLEAR_DECLINE,
    CLEAR_IMPROVEMENT,
    ELEMENTS,
    MEASURES,
    NO_CLEAR_CHANGE,
    SUBDIMENSION_ELEMENT,
    SUBDIMENSIONS,
    Change,
    ItemSpec,
    Sufficient,
    Summary,
    compare,
    item_score,
    respondent_scores,
    summarise,
    summarise_sufficient,
    t_quantile,
)

# --- constants ------------------------------------------------------------------------------


def test_measures_are_subdimensions_then_elements_then_index():
    assert len(MEASURES) == 11
    assert (*SUBDIMENSIONS, *ELEMENTS, "index") == MEASURES
    assert set(SUBDIMENSION_ELEMENT) == set(SUBDIMENSIONS)
    assert set(SUBDIMENSION_ELEMENT.values()) == set(ELEMENTS)
    assert all(key.startswith(SUBDIMENSION_ELEMENT[key]) for key in SUBDIMENSIONS)


# --- item scores ----------------------------------------------------------------------------


def test_item_score_maps_the_extent_scale_to_0_100():
    assert [item_score(v, reverse=False) for v in (1, 2, 3, 4, 5)] == [0, 25, 50, 75, 100]
    assert all(isinstance(item_score(v, reverse=False), float) for v in (1, 5))


def test_item_score_reverse_flips_the_scale():
    assert [item_score(v, reverse=True) for v in (1, 2, 3, 4, 5)] == [100, 75, 50, 25, 0]


def test_item_score_missing_stays_missing():
    assert item_score(None, reverse=False) is None
    assert item_score(None, reverse=True) is None


@pytest.mark.parametrize("value", [0, 6, -1, 2.5, 3.0, "3", True])
def test_item_score_refuses_anything_but_1_to_5(value):
    with pytest.raises(ValueError):
        item_score(value, reverse=False)


def test_item_spec_refuses_an_unknown_subdimension():
    with pytest.raises(ValueError):
        ItemSpec(1, "trust_diagonal")


# --- respondent scores ----------------------------------------------------------------------

# Twelve items over all seven sub-dimensions.
ITEMS = [
    ItemSpec(1, "trust_vertical"),
    ItemSpec(2, "trust_vertical"),
    ItemSpec(3, "trust_horizontal"),
    ItemSpec(4, "trust_horizontal"),
    ItemSpec(5, "justice_process"),
    ItemSpec(6, "justice_distribution"),
    ItemSpec(7, "justice_distribution"),
    ItemSpec(8, "collaboration_bonding"),
    ItemSpec(9, "collaboration_bridging"),
    ItemSpec(10, "collaboration_linking"),
    ItemSpec(11, "collaboration_linking"),
    ItemSpec(12, "collaboration_linking"),
]


def test_respondent_scores_by_hand():
    answers = {
        1: 5,  # 100
        2: 4,  # 75
        3: 3,  # 50
        4: None,  # don't know
        5: 2,  # 25
        6: 4,  # 75
        # 7 not answered at all
        8: 5,  # 100
        9: None,  # not relevant
        10: 3,  # 50
        11: 1,  # 0
        12: None,
    }
    scores = respondent_scores(answers, ITEMS)
    assert list(scores) == list(MEASURES)
    assert scores == {
        "trust_vertical": 87.5,  # (100 + 75) / 2
        "trust_horizontal": 50.0,  # 50 / 1; 1 of 2 answered is half: enough
        "justice_process": 25.0,  # 25 / 1
        "justice_distribution": 75.0,  # 75 / 1; 1 of 2 answered
        "collaboration_bonding": 100.0,
        "collaboration_bridging": None,  # 0 of 1 answered
        "collaboration_linking": 25.0,  # (50 + 0) / 2; 2 of 3 answered
        # pooled over the element's items, not the mean of its sub-dimensions (68.75):
        "trust": 75.0,  # (100 + 75 + 50) / 3; 3 of 4 answered
        "justice": 50.0,  # (25 + 75) / 2; 2 of 3 answered
        "collaboration": 50.0,  # (100 + 50 + 0) / 3; 3 of 5 answered, bridging missing
        "index": pytest.approx(175 / 3),  # (75 + 50 + 50) / 3 = 58.33...
    }


def test_half_rule_edges():
    items = [
        ItemSpec(1, "trust_vertical"),
        ItemSpec(2, "trust_vertical"),
        ItemSpec(3, "trust_horizontal"),
        ItemSpec(4, "trust_horizontal"),
        ItemSpec(5, "trust_horizontal"),
    ]
    # 1 of 2 is enough; 1 of 3 is not; the element has 2 of 5: not enough either.
    scores = respondent_scores({1: 5, 3: 5}, items)
    assert scores["trust_vertical"] == 100
    assert scores["trust_horizontal"] is None
    assert scores["trust"] is None
    # 2 of 3 is enough, and the element now has 3 of 5.
    scores = respondent_scores({1: 5, 3: 5, 4: 1}, items)
    assert scores["trust_horizontal"] == 50
    assert scores["trust"] == pytest.approx(200 / 3)
    # 0 of 2 answered (all "don't know") gives nothing.
    assert respondent_scores({1: None, 2: None}, items)["trust_vertical"] is None


def test_subdimension_without_items_has_no_score():
    scores = respondent_scores({1: 5}, [ItemSpec(1, "trust_vertical")])
    assert scores["trust_vertical"] == 100
    assert scores["trust"] == 100
    assert scores["trust_horizontal"] is None
    assert scores["justice"] is None
    assert scores["index"] is None


def test_reverse_items_are_flipped_before_averaging():
    items = [ItemSpec(1, "justice_process"), ItemSpec(2, "justice_process", reverse=True)]
    # 4 -> 75; reversed 2 -> 75
    assert respondent_scores({1: 4, 2: 2}, items)["justice_process"] == 75
    # 5 -> 100; reversed 5 -> 0
    assert respondent_scores({1: 5, 2: 5}, items)["justice_process"] == 50


def test_no_answers_gives_no_scores():
    assert respondent_scores({}, ITEMS) == dict.fromkeys(MEASURES)


def test_unknown_item_id_is_refused():
    with pytest.raises(ValueError, match="unknown"):
        respondent_scores({1: 5, 99: 3}, ITEMS)


def test_invalid_answer_is_refused_with_its_item():
    with pytest.raises(ValueError, match="item 2"):
        respondent_scores({1: 5, 2: 7}, ITEMS)


def test_duplicate_item_ids_are_refused():
    with pytest.raises(ValueError, match="duplicate"):
        respondent_scores({}, [ItemSpec(1, "trust_vertical"), ItemSpec(1, "justice_process")])


def test_an_index_of_exactly_75_counts_as_high():
    # trust 425/6, justice 100, collaboration 325/6: the index is exactly 75, but the naive
    # float sum of the three element means divided by 3 is 74.99999999999999.
    items = (
        [ItemSpec(i, "trust_vertical") for i in range(1, 7)]
        + [ItemSpec(7, "justice_process")]
        + [ItemSpec(i, "collaboration_bonding") for i in range(8, 14)]
    )
    trust = {1: 5, 2: 5, 3: 4, 4: 3, 5: 3, 6: 3}  # 100+100+75+50+50+50 = 425
    collaboration = {8: 5, 9: 4, 10: 3, 11: 3, 12: 2, 13: 2}  # 100+75+50+50+25+25 = 325
    scores = respondent_scores({**trust, 7: 5, **collaboration}, items)
    assert (scores["trust"] + scores["justice"] + scores["collaboration"]) / 3 < 75
    assert scores["index"] == 75.0
    assert summarise([scores["index"]]).high_share == 1


ANSWER = st.one_of(st.none(), st.integers(1, 5))


@st.composite
def instruments(draw):
    """A list of items with distinct ids over random sub-dimensions, and answers to them."""
    count = draw(st.integers(0, 18))
    items = [
        ItemSpec(i, draw(st.sampled_from(SUBDIMENSIONS)), draw(st.booleans()))
        for i in range(1, count + 1)
    ]
    answered = draw(st.lists(st.sampled_from(items), unique=True) if items else st.just([]))
    return items, {item.id: draw(ANSWER) for item in answered}


@given(instruments())
def test_scores_stay_within_0_100(instrument):
    items, answers = instrument
    scores = respondent_scores(answers, items)
    assert list(scores) == list(MEASURES)
    assert all(0 <= s <= 100 for s in scores.values() if s is not None)


@given(instruments())
def test_index_exists_iff_all_three_elements_exist(instrument):
    items, answers = instrument
    scores = respondent_scores(answers, items)
    assert (scores["index"] is not None) == all(scores[e] is not None for e in ELEMENTS)
    if scores["index"] is not None:
        mean = sum(scores[e] for e in ELEMENTS) / 3
        assert scores["index"] == pytest.approx(mean, abs=1e-12)


# --- group summaries ------------------------------------------------------------------------


def test_summary_of_five_scores_by_hand():
    summary = summarise([50, 75, None, 100, 25, 75])
    # mean = (50 + 75 + 100 + 25 + 75) / 5 = 325 / 5 = 65
    # deviations -15, 10, 35, -40, 10; squares 225 + 100 + 1225 + 1600 + 100 = 3250
    # SD = sqrt(3250 / 4) = sqrt(812.5) = 28.5043856...
    # SE = SD / sqrt(5) = sqrt(162.5) = 12.7475488...; t(0.975, 4) = 2.7764451
    # half-width = 2.7764451 * 12.7475488 = 35.3928694
    # CI = 65 -+ 35.3928694 = [29.6071306, 100.3928694] -> clipped to [29.6071306, 100]
    # high (>= 75): 75, 100, 75 -> 3/5; low (<= 25): 25 -> 1/5
    assert summary.n == 5
    assert summary.mean == 65
    assert summary.sd == pytest.approx(28.5043856, abs=1e-7)
    assert summary.ci_low == pytest.approx(29.6071306, abs=1e-7)
    assert summary.ci_high == 100
    assert summary.high_share == pytest.approx(0.6)
    assert summary.low_share == pytest.approx(0.2)


def test_summary_of_one_score_has_no_spread():
    assert summarise([None, 25]) == Summary(1, 25.0, None, None, None, 0.0, 1.0)
    assert summarise_sufficient(1, 80.0, 6400.0, 1, 0) == Summary(1, 80.0, None, None, None, 1, 0)


def test_summary_of_no_scores_is_none():
    assert summarise([]) is None
    assert summarise([None, None]) is None
    assert Sufficient().summary() is None
    assert summarise_sufficient(0, 0.0, 0.0, 0, 0) is None


def test_identical_scores_have_zero_sd_and_a_point_ci():
    summary = Sufficient.of([100 / 3] * 7).summary()  # 100/3 * 7 is not exact in floats
    assert summary.sd == 0
    assert summary.ci_low == summary.ci_high == summary.mean == pytest.approx(100 / 3)


def test_sufficient_statistics_by_hand():
    # n = 5, sum = 325, sum of squares = 2500 + 5625 + 10000 + 625 + 5625 = 24375
    # sum of squared deviations = 24375 - 325^2 / 5 = 24375 - 21125 = 3250, as above
    stats = Sufficient.of([50, 75, 100, 25, None, 75])
    assert stats == Sufficient(5, 325.0, 24375.0, 3, 1)
    assert stats.summary() == summarise_sufficient(5, 325.0, 24375.0, 3, 1)
    assert stats.summary().sd == pytest.approx(math.sqrt(812.5))


def test_tiny_negative_variance_is_clamped():
    # 0.1 * 3 = 0.30000000000000004 and 0.1**2 * 3 = 0.030000000000000006: the naive
    # variance is (0.030000000000000006 - 0.30000000000000004**2 / 3) / 2 < 0.
    summary = summarise_sufficient(3, 0.1 * 3, 0.1**2 * 3, 0, 3)
    assert summary.sd == 0
    assert summary.ci_low == summary.ci_high == pytest.approx(0.1)


def test_inconsistent_counts_are_refused():
    with pytest.raises(ValueError):
        summarise_sufficient(2, 100.0, 5000.0, 3, 0)
    with pytest.raises(ValueError):
        summarise_sufficient(-1, 0.0, 0.0, 0, 0)


# Respondent scores are means of item scores, i.e. multiples of 25/k for k items.
SCORE = st.builds(lambda k, j: 25 * j / k, st.integers(1, 6), st.integers(0, 24)).filter(
    lambda score: score <= 100
)
ANY_SCORE = st.floats(0, 100, allow_nan=False)


def assert_summaries_close(a: Summary | None, b: Summary | None) -> None:
    """Same n and shares, and every float within 1e-9."""
    if a is None or b is None:
        assert a is b
        return
    assert (a.n, a.high_share, a.low_share) == (b.n, b.high_share, b.low_share)
    for field in ("mean", "sd", "ci_low", "ci_high"):
        x, y = getattr(a, field), getattr(b, field)
        assert (x is None) == (y is None), field
        if x is not None:
            assert math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-9), (field, x, y)


@given(st.lists(st.one_of(st.none(), ANY_SCORE), max_size=60))
def test_ci_contains_the_mean_and_stays_within_0_100(scores):
    summary = summarise(scores)
    if summary is None:
        assert all(s is None for s in scores)
        return
    assert summary.n == sum(s is not None for s in scores)
    assert 0 <= summary.high_share <= 1
    assert 0 <= summary.low_share <= 1
    if summary.n < 2:
        assert summary.sd is summary.ci_low is summary.ci_high is None
    else:
        assert 0 <= summary.ci_low <= summary.mean <= summary.ci_high <= 100


@given(st.lists(st.one_of(st.none(), SCORE), max_size=60))
def test_sufficient_statistics_give_the_same_summary(scores):
    assert_summaries_close(summarise(scores), Sufficient.of(scores).summary())


@given(st.lists(SCORE, max_size=60), st.lists(SCORE, max_size=60))
def test_sufficient_statistics_of_halves_add_up_to_the_whole(first, second):
    whole = Sufficient.of(first + second)
    combined = Sufficient.of(first) + Sufficient.of(second)
    assert (combined.n, combined.high, combined.low) == (whole.n, whole.high, whole.low)
    assert combined.total == pytest.approx(whole.total, abs=1e-9)
    assert combined.total_sq == pytest.approx(whole.total_sq, rel=1e-12)
    assert_summaries_close(combined.summary(), whole.summary())
    assert_summaries_close(combined.summary(), summarise(first + second))


# --- Student's t ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("df", "expected"),
    [
        (1, 12.7062047),
        (2, 4.3026527),
        (4, 2.7764451),
        (5, 2.5705818),
        (10, 2.2281389),
        (30, 2.0422725),
        (1000, 1.9623391),
    ],
)
def test_t_quantile_table(df, expected):
    assert t_quantile(0.975, df) == pytest.approx(expected, abs=1e-6)
    assert t_quantile(0.025, df) == pytest.approx(-t_quantile(0.975, df), rel=1e-12)


@pytest.mark.parametrize(
    ("p", "df", "expected"),
    [
        # non-integer df, reference values from scipy.stats.t.ppf (checked with mpmath)
        (0.975, 2.5, 3.5746548420),
        (0.975, 7.3, 2.3450667365),
        (0.9, 0.5, 10.2703244102),
        (0.975, 16.456543005493266, 2.1151355884),
    ],
)
def test_t_quantile_for_real_df(p, df, expected):
    assert t_quantile(p, df) == pytest.approx(expected, abs=1e-8)


def test_t_quantile_for_huge_df_is_the_normal_quantile():
    assert t_quantile(0.975, 1e9) == pytest.approx(1.959964, abs=1e-6)
    assert t_quantile(0.975, 1e9) == pytest.approx(1.9599639869, abs=1e-9)  # mpmath
    # either side of the switch to the large-df expansion
    assert t_quantile(0.975, 9999.9) == pytest.approx(t_quantile(0.975, 1e4), abs=1e-8)


@given(st.floats(0.05, 1e12))
def test_t_quantile_median_is_zero_and_tails_are_symmetric(df):
    assert t_quantile(0.5, df) == 0
    # 1 - 0.975 is 0.025000000000000022 in floats, hence approx
    assert t_quantile(0.025, df) == pytest.approx(-t_quantile(0.975, df), rel=1e-12)


@given(st.floats(0.001, 0.999))
def test_t_quantile_matches_closed_forms_for_1_and_2_df(p):
    # df = 1 is the Cauchy distribution; df = 2 has t = (2p - 1) / sqrt(2 p (1 - p)).
    assert t_quantile(p, 1) == pytest.approx(math.tan(math.pi * (p - 0.5)), rel=1e-9, abs=1e-9)
    closed = (2 * p - 1) / math.sqrt(2 * p * (1 - p))
    assert t_quantile(p, 2) == pytest.approx(closed, rel=1e-9, abs=1e-9)


@given(st.floats(0.5, 5000), st.floats(1.001, 2))
def test_t_quantile_falls_as_df_grows(df, factor):
    assert t_quantile(0.975, df * factor) < t_quantile(0.975, df)
    assert t_quantile(0.975, df * factor) > 1.959963984


@pytest.mark.parametrize(("p", "df"), [(0, 5), (1, 5), (-0.1, 5), (0.975, 0), (0.975, -1)])
def test_t_quantile_refuses_bad_arguments(p, df):
    with pytest.raises(ValueError):
        t_quantile(p, df)


# --- change between waves -------------------------------------------------------------------


def wave(n: int, mean: float, sd: float | None) -> Summary:
    """A summary with only what compare() reads filled in."""
    return Summary(n, mean, sd, None, None, 0.0, 0.0)


def test_welch_change_by_hand():
    before, after = wave(10, 50.0, 20.0), wave(12, 65.0, 15.0)
    # s1²/n1 = 400 / 10 = 40; s2²/n2 = 225 / 12 = 18.75; SE = sqrt(58.75) = 7.6648549
    # df = 58.75² / (40² / 9 + 18.75² / 11) = 3451.5625 / (177.7777778 + 31.9602273)
    #    = 3451.5625 / 209.7380051 = 16.4565430
    # t(0.975, 16.4565430) = 2.1151356; half-width = 2.1151356 * 7.6648549 = 16.2122073
    # CI = 15 -+ 16.2122073 = [-1.2122073, 31.2122073]: includes 0, so no clear change
    change = compare(before, after, threshold=8)
    assert change.delta == 15
    assert change.df == pytest.approx(16.4565430, abs=1e-7)
    assert change.ci_low == pytest.approx(-1.2122073, abs=1e-7)
    assert change.ci_high == pytest.approx(31.2122073, abs=1e-7)
    assert change.verdict == NO_CLEAR_CHANGE


def test_clear_improvement_needs_the_ci_and_the_threshold():
    before, after = wave(30, 50.0, 20.0), wave(30, 62.0, 20.0)
    # s²/n = 400 / 30 = 13.3333 each; SE = sqrt(26.6667) = 5.1639778
    # df = 26.6667² / (2 * 13.3333² / 29) = 29 * 2 = 58 (equal n and SD)
    # half-width = t(0.975, 58) * SE = 2.0017175 * 5.1639778 = 10.3368246
    # CI = 12 -+ 10.3368246 = [1.6631754, 22.3368246]: excludes 0
    change = compare(before, after, threshold=8)
    assert change.df == pytest.approx(58)
    assert change.ci_low == pytest.approx(1.6631754, abs=1e-7)
    assert change.ci_high == pytest.approx(22.3368246, abs=1e-7)
    assert change.verdict == CLEAR_IMPROVEMENT
    # the CI still excludes 0, but 12 points is under a threshold of 15
    assert compare(before, after, threshold=15).verdict == NO_CLEAR_CHANGE
    # the mirror image is a clear decline
    assert compare(after, before, threshold=8).verdict == CLEAR_DECLINE


def test_change_with_zero_spread_has_a_point_ci():
    change = compare(wave(5, 50.0, 0.0), wave(7, 60.0, 0.0), threshold=8)
    assert change == Change(10.0, 10.0, 10.0, 10.0, CLEAR_IMPROVEMENT)
    assert compare(wave(5, 50.0, 0.0), wave(7, 55.0, 0.0), threshold=8).verdict == (NO_CLEAR_CHANGE)


def test_change_needs_two_respondents_and_an_sd_each():
    assert compare(wave(1, 50.0, None), wave(10, 60.0, 10.0), threshold=5) is None
    assert compare(wave(10, 50.0, 10.0), wave(1, 60.0, None), threshold=5) is None
    assert compare(wave(2, 50.0, None), wave(10, 60.0, 10.0), threshold=5) is None


def test_negative_threshold_is_refused():
    with pytest.raises(ValueError):
        compare(wave(10, 50.0, 10.0), wave(10, 60.0, 10.0), threshold=-1)


WAVE = st.builds(wave, st.integers(2, 200), st.floats(0, 100), st.floats(0, 50))
THRESHOLD = st.floats(0, 20)


@given(WAVE, WAVE, THRESHOLD)
def test_compare_is_antisymmetric(a, b, threshold):
    forward, backward = compare(a, b, threshold=threshold), compare(b, a, threshold=threshold)
    assert forward.delta == -backward.delta
    assert (forward.ci_low, forward.ci_high) == (-backward.ci_high, -backward.ci_low)
    assert forward.df == backward.df
    mirrored = {CLEAR_IMPROVEMENT: CLEAR_DECLINE, CLEAR_DECLINE: CLEAR_IMPROVEMENT}
    assert backward.verdict == mirrored.get(forward.verdict, NO_CLEAR_CHANGE)
    assert forward.ci_low <= forward.delta <= forward.ci_high


@given(WAVE, THRESHOLD)
def test_identical_waves_show_no_clear_change(a, threshold):
    change = compare(a, a, threshold=threshold)
    assert change.delta == 0
    assert change.verdict == NO_CLEAR_CHANGE


@given(st.lists(SCORE, min_size=2, max_size=40), THRESHOLD)
def test_identical_groups_show_no_clear_change(scores, threshold):
    summary = summarise(scores)
    assert compare(summary, Sufficient.of(scores).summary(), threshold=threshold).verdict == (
        NO_CLEAR_CHANGE
    )
