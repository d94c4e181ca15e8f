"""Survey scoring as plain data: item and respondent scores, group figures and honest change.

Pure Python and standard library only, so it runs without the database; the rules are the
ones in DOMAIN.md ("Answer scale and scores" and "Honest before-and-after").
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from statistics import NormalDist
from types import MappingProxyType

ELEMENTS: tuple[str, ...] = ("trust", "justice", "collaboration")
SUBDIMENSIONS: tuple[str, ...] = (
    "trust_vertical",
    "trust_horizontal",
    "justice_process",
    "justice_distribution",
    "collaboration_bonding",
    "collaboration_bridging",
    "collaboration_linking",
)
SUBDIMENSION_ELEMENT: Mapping[str, str] = MappingProxyType(
    {
        "trust_vertical": "trust",
        "trust_horizontal": "trust",
        "justice_process": "justice",
        "justice_distribution": "justice",
        "collaboration_bonding": "collaboration",
        "collaboration_bridging": "collaboration",
        "collaboration_linking": "collaboration",
    }
)
INDEX = "index"
MEASURES: tuple[str, ...] = (*SUBDIMENSIONS, *ELEMENTS, INDEX)

ANSWER_MIN = 1  # "to a very small extent"
ANSWER_MAX = 5  # "to a very large extent"
HIGH_SCORE = 75.0  # a respondent score at or above this counts as high
LOW_SCORE = 25.0  # a respondent score at or below this counts as low
CONFIDENCE = 0.95

CLEAR_IMPROVEMENT = "clear_improvement"
CLEAR_DECLINE = "clear_decline"
NO_CLEAR_CHANGE = "no_clear_change"
VERDICTS: tuple[str, ...] = (CLEAR_IMPROVEMENT, CLEAR_DECLINE, NO_CLEAR_CHANGE)

# Sums of squared deviations below this share of the sum of squares are rounding noise.
_CANCELLATION = 1e-12


# --- items and respondents ------------------------------------------------------------------


@dataclass(frozen=True)
class ItemSpec:
    """One item of an instrument version: its id, sub-dimension and direction."""

    id: int
    subdimension: str
    reverse: bool = False

    def __post_init__(self) -> None:
        """Refuse a sub-dimension the model does not know."""
        if self.subdimension not in SUBDIMENSION_ELEMENT:
            raise ValueError(f"unknown sub-dimension {self.subdimension!r}")

    @property
    def element(self) -> str:
        """The element this item's sub-dimension belongs to."""
        return SUBDIMENSION_ELEMENT[self.subdimension]


def _points(value: int | None, *, reverse: bool) -> int | None:
    """The item score as an exact integer 0, 25, 50, 75 or 100 (None for a missing answer)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"an answer must be an integer or None, got {value!r}")
    if not ANSWER_MIN <= value <= ANSWER_MAX:
        raise ValueError(f"an answer must be {ANSWER_MIN}-{ANSWER_MAX} or None, got {value!r}")
    steps = ANSWER_MAX - value if reverse else value - ANSWER_MIN
    return 100 * steps // (ANSWER_MAX - ANSWER_MIN)


def item_score(value: int | None, *, reverse: bool) -> float | None:
    """Score a raw answer 1-5 as 0-100 (flipped when reverse); None stays None."""
    points = _points(value, reverse=reverse)
    return None if points is None else float(points)


def _half_mean(points: list[int | None]) -> Fraction | None:
    """Exact mean of the answered points, if at least half of the items were answered."""
    answered = [p for p in points if p is not None]
    if not answered or 2 * len(answered) < len(points):
        return None
    return Fraction(sum(answered), len(answered))


def respondent_scores(
    answers: Mapping[int, int | None], items: Sequence[ItemSpec]
) -> dict[str, float | None]:
    """One respondent's score for every measure in MEASURES (None where it does not exist)."""
    ids = [item.id for item in items]
    if len(set(ids)) != len(ids):
        raise ValueError("duplicate item ids in items")
    unknown = set(answers) - set(ids)
    if unknown:
        raise ValueError(f"answers to unknown item ids: {sorted(unknown)}")

    by_subdimension: dict[str, list[int | None]] = {key: [] for key in SUBDIMENSIONS}
    by_element: dict[str, list[int | None]] = {key: [] for key in ELEMENTS}
    for item in items:
        try:
            points = _points(answers.get(item.id), reverse=item.reverse)
        except ValueError as error:
            raise ValueError(f"item {item.id}: {error}") from error
        by_subdimension[item.subdimension].append(points)
        by_element[item.element].append(points)

    # Means are kept exact (Fractions) until the end, so that e.g. an index of exactly 75
    # comes out as 75.0 and counts as high, rather than as 74.99999999999999.
    exact = {
        key: _half_mean(points) for key, points in (*by_subdimension.items(), *by_element.items())
    }
    elements = [score for key in ELEMENTS if (score := exact[key]) is not None]
    if len(elements) == len(ELEMENTS):
        exact[INDEX] = sum(elements, Fraction(0)) / len(elements)
    else:
        exact[INDEX] = None
    return {key: None if exact[key] is None else float(exact[key]) for key in MEASURES}


# --- group figures --------------------------------------------------------------------------


@dataclass(frozen=True)
class Summary:
    """A group's figure for one measure: n, mean, SD, 95 % CI and shares of high/low scores."""

    n: int
    mean: float
    sd: float | None
    ci_low: float | None
    ci_high: float | None
    high_share: float
    low_share: float


def _summary(n: int, mean: float, squares: float, high: int, low: int) -> Summary:
    """Build a Summary from n >= 1, the mean and the sum of squared deviations."""
    if n < 2:
        return Summary(n, mean, None, None, None, high / n, low / n)
    sd = math.sqrt(max(squares, 0.0) / (n - 1))
    half_width = t_quantile(0.5 + CONFIDENCE / 2, n - 1) * sd / math.sqrt(n)
    ci_low = min(max(mean - half_width, 0.0), 100.0)
    ci_high = max(min(mean + half_width, 100.0), 0.0)
    return Summary(n, mean, sd, ci_low, ci_high, high / n, low / n)


def summarise(scores: Iterable[float | None]) -> Summary | None:
    """Summarise respondent scores, skipping None; None when there are no scores."""
    values = [score for score in scores if score is not None]
    if not values:
        return None
    n = len(values)
    mean = math.fsum(values) / n
    squares = math.fsum((value - mean) ** 2 for value in values)
    high = sum(1 for value in values if value >= HIGH_SCORE)
    low = sum(1 for value in values if value <= LOW_SCORE)
    return _summary(n, mean, squares, high, low)


def summarise_sufficient(
    n: int, total: float, total_sq: float, high: int, low: int
) -> Summary | None:
    """Summarise from count, sum, sum of squares and counts of high and low scores."""
    if n < 0 or not 0 <= high <= n or not 0 <= low <= n:
        raise ValueError(f"inconsistent counts: n={n}, high={high}, low={low}")
    if n == 0:
        return None
    squares = total_sq - total * total / n
    if squares < _CANCELLATION * total_sq:  # negative or tiny: floating-point cancellation
        squares = 0.0
    return _summary(n, total / n, squares, high, low)


@dataclass(frozen=True)
class Sufficient:
    """Sufficient statistics of a group's scores; groups combine by adding them."""

    n: int = 0
    total: float = 0.0
    total_sq: float = 0.0
    high: int = 0
    low: int = 0

    def __add__(self, other: Sufficient) -> Sufficient:
        """The statistics of the two groups pooled."""
        if not isinstance(other, Sufficient):
            return NotImplemented
        return Sufficient(
            self.n + other.n,
            self.total + other.total,
            self.total_sq + other.total_sq,
            self.high + other.high,
            self.low + other.low,
        )

    @classmethod
    def of(cls, scores: Iterable[float | None]) -> Sufficient:
        """The statistics of respondent scores, skipping None."""
        values = [score for score in scores if score is not None]
        return cls(
            len(values),
            math.fsum(values),
            math.fsum(value * value for value in values),
            sum(1 for value in values if value >= HIGH_SCORE),
            sum(1 for value in values if value <= LOW_SCORE),
        )

    def summary(self) -> Summary | None:
        """The Summary these statistics describe (None for an empty group)."""
        return summarise_sufficient(self.n, self.total, self.total_sq, self.high, self.low)


# --- change between two waves ---------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """A change (after minus before) with its Welch 95 % CI, df and verdict."""

    delta: float
    ci_low: float
    ci_high: float
    df: float
    verdict: str


def compare(before: Summary, after: Summary, *, threshold: float) -> Change | None:
    """Welch comparison of two waves; None unless both have n >= 2 and an SD."""
    if threshold < 0:
        raise ValueError(f"threshold must be >= 0, got {threshold!r}")
    if before.n < 2 or after.n < 2 or before.sd is None or after.sd is None:
        return None
    delta = after.mean - before.mean
    var_before = before.sd**2 / before.n
    var_after = after.sd**2 / after.n
    variance = var_before + var_after
    se = math.sqrt(variance)
    if variance == 0:
        df = float(before.n + after.n - 2)
        ci_low = ci_high = delta
    else:
        # Welch-Satterthwaite, with shares of SE² so that tiny SDs cannot underflow to 0 / 0
        share_before, share_after = var_before / variance, var_after / variance
        df = 1.0 / (share_before**2 / (before.n - 1) + share_after**2 / (after.n - 1))
        half_width = t_quantile(0.5 + CONFIDENCE / 2, df) * se
        ci_low, ci_high = delta - half_width, delta + half_width
    if ci_low > 0 and delta >= threshold:
        verdict = CLEAR_IMPROVEMENT
    elif ci_high < 0 and delta <= -threshold:
        verdict = CLEAR_DECLINE
    else:
        verdict = NO_CLEAR_CHANGE
    return Change(delta, ci_low, ci_high, df, verdict)


# --- Student's t ----------------------------------------------------------------------------

_BETACF_EPS = 1e-16
_BETACF_TINY = 1e-300
_STIRLING_FROM = 100.0
_ROOT_TOLERANCE = 1e-14
_T_MAX = 1e150  # beyond this t * t nears overflow
# From here on the continued fraction needs ever more steps and loses digits (~1e-8 at
# df = 1e9), while the four-term expansion is exact to ~1e-14 for any p.
_LARGE_DF = 1e4
_ROOT_MAX_STEPS = 200


def _betacf(a: float, b: float, x: float) -> float:
    """Continued fraction for the incomplete beta function (modified Lentz, NR betacf)."""
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c = 1.0
    d = 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) >= _BETACF_TINY else _BETACF_TINY)
    h = d
    # Convergence takes O(sqrt(max(a, b))) steps near the switch-over point.
    max_steps = 200 + int(10 * math.sqrt(max(a, b)))
    for m in range(1, max_steps + 1):
        m2 = 2 * m
        for aa in (
            m * (b - m) * x / ((qam + m2) * (a + m2)),
            -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2)),
        ):
            d = 1.0 + aa * d
            d = 1.0 / (d if abs(d) >= _BETACF_TINY else _BETACF_TINY)
            c = 1.0 + aa / c
            c = c if abs(c) >= _BETACF_TINY else _BETACF_TINY
            delta = c * d
            h *= delta
        if abs(delta - 1.0) < _BETACF_EPS:
            return h
    raise ArithmeticError(f"incomplete beta did not converge for a={a}, b={b}, x={x}")


def _stirling_tail(z: float) -> float:
    """lgamma(z) minus its Stirling approximation, for z >= _STIRLING_FROM."""
    z2 = z * z
    return (1.0 / 12.0 - (1.0 / 360.0 - (1.0 / 1260.0 - 1.0 / (1680.0 * z2)) / z2) / z2) / z


def _log_beta(a: float, b: float) -> float:
    """log B(a, b), without the cancellation of lgamma differences when one of a, b is large."""
    small, large = min(a, b), max(a, b)
    if large < _STIRLING_FROM:
        return math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)
    # lgamma(large + small) - lgamma(large), from Stirling's series term by term
    ratio = (
        (large - 0.5) * math.log1p(small / large)
        + small * math.log(large + small)
        - small
        + _stirling_tail(large + small)
        - _stirling_tail(large)
    )
    return math.lgamma(small) - ratio


def _incomplete_beta(a: float, b: float, x: float, x_complement: float) -> float:
    """Regularized incomplete beta I_x(a, b), given both x and 1 - x for accuracy."""
    if x <= 0.0:
        return 0.0
    if x_complement <= 0.0:
        return 1.0
    log_x = math.log(x) if x < 0.5 else math.log1p(-x_complement)
    log_x_complement = math.log(x_complement) if x_complement < 0.5 else math.log1p(-x)
    front = math.exp(a * log_x + b * log_x_complement - _log_beta(a, b))
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _betacf(a, b, x) / a
    return 1.0 - front * _betacf(b, a, x_complement) / b


def _t_upper_tail(t: float, df: float) -> float:
    """P(T > t) for t >= 0 and Student's t with df degrees of freedom."""
    t_sq = t * t
    return 0.5 * _incomplete_beta(df / 2.0, 0.5, df / (df + t_sq), t_sq / (df + t_sq))


def _t_density(t: float, df: float) -> float:
    """Density of Student's t with df degrees of freedom at t."""
    log_norm = -_log_beta(df / 2.0, 0.5) - 0.5 * math.log(df)
    return math.exp(log_norm - (df + 1.0) / 2.0 * math.log1p(t * t / df))


def _t_quantile_large_df(p: float, df: float) -> float:
    """The t quantile by its Cornish-Fisher expansion in 1 / df (Abramowitz-Stegun 26.7.5)."""
    z = NormalDist().inv_cdf(p)
    z2 = z * z
    g1 = z * (z2 + 1) / 4
    g2 = z * ((5 * z2 + 16) * z2 + 3) / 96
    g3 = z * (((3 * z2 + 19) * z2 + 17) * z2 - 15) / 384
    g4 = z * ((((79 * z2 + 776) * z2 + 1482) * z2 - 1920) * z2 - 945) / 92160
    return z + (g1 + (g2 + (g3 + g4 / df) / df) / df) / df


@functools.lru_cache(maxsize=4096)
def t_quantile(p: float, df: float) -> float:
    """The p-quantile of Student's t with df > 0 (real) degrees of freedom."""
    if not 0.0 < p < 1.0:
        raise ValueError(f"p must be in (0, 1), got {p!r}")
    if not (df > 0.0 and math.isfinite(df)):
        raise ValueError(f"df must be positive and finite, got {df!r}")
    if p == 0.5:
        return 0.0
    if df >= _LARGE_DF:
        return _t_quantile_large_df(p, df)
    tail = min(p, 1.0 - p)  # solve P(T > t) = tail for t > 0, then restore the sign
    low, high = 0.0, 1.0
    while _t_upper_tail(high, df) > tail:
        if high > _T_MAX:
            raise OverflowError(f"the t quantile for p={p}, df={df} is beyond {_T_MAX:g}")
        low, high = high, 2.0 * high
    t = (low + high) / 2.0
    for _ in range(_ROOT_MAX_STEPS):
        excess = _t_upper_tail(t, df) - tail  # decreasing in t
        if excess > 0:
            low = t
        else:
            high = t
        density = _t_density(t, df)
        step = t + excess / density if density > 0 else high  # Newton ...
        if not low < step < high:
            step = (low + high) / 2.0  # ... or bisection when Newton leaves the bracket
        if abs(step - t) <= _ROOT_TOLERANCE * step:
            return math.copysign(step, p - 0.5)
        t = step
    raise ArithmeticError(f"t quantile did not converge for p={p}, df={df}")
