"""Issue 8 drill, bounded: journeys through a separate bot process killed with `kill -9`
and restarted (bench/crash.py). Nothing acknowledged is lost, no payment vanishes, no
effect is doubled; a message may repeat only where a kill fell between send and record."""

from __future__ import annotations

import pytest

from bench.crash import drill


@pytest.mark.slow
async def test_kill_9_at_random_moments_loses_no_input_and_no_payment(tmp_path):
    report = await drill(purchases=2, visitors=3, kills=3, seed=8, data_dir=tmp_path)
    assert report.kills == 3
    assert report.lost == [] and report.lost_inputs == 0
    assert report.cut_short == []
    assert report.payments == 2 and report.lost_payments == 0
    assert report.duplicate_rows == 0
    assert report.duplicate_messages <= report.kills
    assert report.finished_journeys == report.journeys
