"""float32_split_threshold: ``x <= T`` must decide exactly as scikit-learn's ``float32(x) <= t``
for every double ``x``, checked against numpy's own float32 cast."""

from __future__ import annotations

import numpy as np
import pytest

from pmmlkit.builders.float32 import float32_split_threshold

# Neighbours of the largest floats overflow on purpose.
pytestmark = pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")

F32 = np.finfo(np.float32)
OVERFLOW = 2.0**128 - 2.0**103  # the smallest double that rounds to float32 infinity


def f32(x: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        return np.asarray(x, dtype=np.float64).astype(np.float32).astype(np.float64)


def up(x: np.ndarray) -> np.ndarray:
    return np.nextafter(x, np.inf)


def down(x: np.ndarray) -> np.ndarray:
    return np.nextafter(x, -np.inf)


def adversarial_thresholds() -> np.ndarray:
    rng = np.random.default_rng(0)
    # float32 values of every magnitude, both signs, including subnormals, zero and the extremes.
    bits = rng.integers(0, 2**31 - 2**23, 4000, dtype=np.uint32)  # finite, non-negative patterns
    special = np.array([0, 1, 2, 3, 0x007FFFFF, 0x00800000, 0x00800001, 0x3F800000, 0x3F800001,
                        0x7F7FFFFE, 0x7F7FFFFF], dtype=np.uint32)
    singles = np.concatenate([bits, special]).view(np.float32).astype(np.float64)
    singles = np.concatenate([singles, -singles])
    following = np.nextafter(singles.astype(np.float32), np.float32(np.inf)).astype(np.float64)
    finite = np.isfinite(following)
    midpoints = (singles[finite] + following[finite]) / 2  # ties: half go to each neighbour
    values = np.concatenate([
        singles, midpoints, up(midpoints), down(midpoints), up(singles), down(singles),
        rng.normal(0, 10, 2000), rng.uniform(-1e-40, 1e-40, 500),  # float32 subnormal range
        np.array([0.0, -0.0, 5e-324, -5e-324, 1e-300, -1e-300, 2.0**-150, -(2.0**-150), 2.0**-149,
                  float(F32.max), -float(F32.max), OVERFLOW, -OVERFLOW, up(OVERFLOW), down(OVERFLOW),
                  -up(OVERFLOW), -down(OVERFLOW), 3.5e38, -3.5e38, 1e300, -1e300, np.finfo(np.float64).max,
                  -np.finfo(np.float64).max, np.inf, -np.inf, 0.80000001192092896, 1.75, 4.95000005]),
    ])
    return values


def test_threshold_is_the_largest_double_that_rounds_at_or_below():
    t = adversarial_thresholds()
    T = float32_split_threshold(t)
    assert T.shape == t.shape
    assert not np.isnan(T).any()
    assert (f32(T) <= t).all(), t[~(f32(T) <= t)][:5]
    finite = T < np.inf
    above = up(T[finite])
    assert (f32(above) > t[finite]).all(), t[finite][~(f32(above) > t[finite])][:5]
    assert np.isposinf(T[~finite]).all() and np.isposinf(t[~finite]).all()


def test_decisions_match_float32_cast_near_each_threshold():
    rng = np.random.default_rng(1)
    t = adversarial_thresholds()
    T = float32_split_threshold(t)
    # Doubles within a few float32 steps of each threshold, plus its double neighbours.
    for scale in (0.0, 0.5, 1.0, 3.0):
        spacing = np.abs(np.spacing(f32(t).astype(np.float32)).astype(np.float64))
        x = t + rng.uniform(-scale, scale, t.shape) * np.where(np.isfinite(spacing), spacing, 0.0)
        for candidate in (x, up(x), down(x), T, up(T), down(T)):
            with np.errstate(invalid="ignore"):
                expected = f32(candidate) <= t
            np.testing.assert_array_equal(candidate <= T, expected)


def test_random_doubles_against_random_thresholds():
    rng = np.random.default_rng(2)
    t = rng.normal(0, 1, 200_000) * 10.0 ** rng.integers(-45, 39, 200_000)
    T = float32_split_threshold(t)
    x = t + rng.normal(0, 1, t.shape) * np.abs(t) * 2.0**-22
    np.testing.assert_array_equal(x <= T, f32(x) <= t)


@pytest.mark.parametrize("t, expected", [
    (0.0, 2.0**-150),  # (0, 2**-150] rounds to zero (tie to even)
    (-0.0, 2.0**-150),
    (float(F32.max), down(OVERFLOW)),  # the overflow boundary itself rounds to infinity
    (-np.inf, -OVERFLOW),  # only doubles rounding to -inf
    (np.inf, np.inf),
])
def test_edge_cases(t, expected):
    assert float32_split_threshold(np.array([t]))[0] == expected


def test_ties_follow_round_half_to_even():
    even = np.float64(np.float32(1.0))  # mantissa ends in 0: the midpoint above rounds down to it
    odd = np.float64(np.nextafter(np.float32(1.0), np.float32(2.0)))
    mid_even = (even + odd) / 2
    mid_odd = (odd + np.float64(np.nextafter(np.float32(odd), np.float32(2.0)))) / 2
    assert float32_split_threshold(np.array([mid_even]))[0] == mid_even
    assert float32_split_threshold(np.array([mid_odd]))[0] == down(mid_odd)
