"""`repository.BucketIndex`: the overview's rows put in buckets in Python agree
with a plain scan of every bucket, for overlapping layers of buckets (series,
previous series, totals), gaps, empty buckets and rows outside every bucket."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from cosmostream.analytics.periods import Bucket
from cosmostream.analytics.repository import BucketIndex

T0 = datetime(2026, 3, 1, tzinfo=UTC)


def _layer(rng: random.Random, first_idx: int) -> list[tuple[int, int, int]]:
    """Disjoint intervals over [0, 200), some with gaps between them."""
    spans, at, idx = [], rng.randrange(0, 10), first_idx
    while at < 200:
        width = rng.randrange(1, 30)
        spans.append((idx, at, min(at + width, 200)))
        idx += 1
        at += width + rng.choice([0, 0, 0, rng.randrange(1, 10)])
    return spans


def test_find_and_slices_agree_with_a_scan_of_every_bucket() -> None:
    rng = random.Random(15)
    for _ in range(200):
        spans = _layer(rng, 0) + _layer(rng, 1000)  # a series and, overlapping it, totals
        spans.append((-1, rng.randrange(0, 100), rng.randrange(100, 220)))
        index = BucketIndex(spans)
        keys = sorted(rng.randrange(-5, 225) for _ in range(rng.randrange(0, 80)))
        for key in set(keys):
            expected = sorted(idx for idx, lo, hi in spans if lo <= key < hi)
            assert sorted(index.find(key)) == expected
        counted = {idx: j - i for idx, i, j in index.slices(keys)}
        expected_counts = {
            idx: n for idx, lo, hi in spans if (n := sum(lo <= k < hi for k in keys))
        }
        assert counted == expected_counts
        assert index.lo == min(lo for _, lo, _ in spans)
        assert index.hi == max(hi for _, _, hi in spans)


def test_buckets_of_a_period_and_no_bucket() -> None:
    hour = timedelta(hours=1)
    rows = [
        (0, Bucket(T0, T0 + 2 * hour, T0)),
        (1, Bucket(T0 + 2 * hour, T0 + 5 * hour, T0 + 2 * hour)),
        (2, Bucket(T0 + 5 * hour, T0 + 5 * hour, T0 + 5 * hour)),  # empty: holds nothing
        (-1, Bucket(T0, T0 + 5 * hour, T0)),
    ]
    index = BucketIndex.of(rows)
    assert index is not None
    assert (index.lo, index.hi) == (T0, T0 + 5 * hour)
    assert sorted(index.find(T0 + hour)) == [-1, 0]
    assert sorted(index.find(T0 + 4 * hour)) == [-1, 1]
    assert index.find(T0 + 5 * hour) == []
    assert index.find(T0 - hour) == []
    assert BucketIndex.of([]) is None
    assert BucketIndex.of([(0, Bucket(T0, T0, T0))]) is None
