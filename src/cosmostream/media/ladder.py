"""The adaptive-bitrate ladder: which renditions to make of a source.

Rate control is capped CRF: x264 spends what the picture needs (CRF) but never
more than the rung's ceiling over a two-second buffer, so talking heads stay
small and busy scenes stay watchable, with a peak a player can plan for.

Rungs are named by their nominal height ("720p") and sized by fitting the
source into the rung's box: 16:9 in the source's orientation, so for a portrait
source the rung's *short* side is the nominal height (720p of 1080x1920 is
720x1280). For 16:9 and narrower sources that is exactly "every rung whose
short side is not above the source's"; a wider source (2.39:1 cinema, 1920x800)
still gets its full width as "1080p" instead of being cut down to 720p. Nothing
is ever upscaled.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from cosmostream.media.probe import ProbeResult

FPS_CAP = 60.0

# A source slightly short of a rung's box (1900x1060) still gets that rung, at
# its own size, rather than dropping a whole step down the ladder.
_TOLERANCE = 1.15

# Frame rates an encoder and a player expect; a VFR source is pinned to the
# nearest one so its output has a regular cadence.
_STANDARD_RATES = (
    Fraction(24000, 1001), Fraction(24), Fraction(25), Fraction(30000, 1001), Fraction(30),
    Fraction(48), Fraction(50), Fraction(60000, 1001), Fraction(60),
)  # fmt: skip


@dataclass(frozen=True)
class Rung:
    """One rendition: output size, frame rate and rate-control settings."""

    name: str
    height: int
    width: int
    max_bitrate: int
    bufsize: int
    crf: int
    audio_bitrate: int
    fps: float


@dataclass(frozen=True)
class _Step:
    height: int
    max_bitrate: int
    crf: int
    audio_bitrate: int


# Ceilings in the range the big platforms use for H.264 at 30 fps; the CRF
# keeps typical content well below them. Lower rungs get 96 kb/s audio: they
# are picked on poor connections, where every bit counts more than fidelity.
_STEPS = (
    _Step(2160, 16_000_000, 22, 128_000),
    _Step(1440, 9_000_000, 22, 128_000),
    _Step(1080, 5_000_000, 21, 128_000),
    _Step(720, 3_000_000, 21, 128_000),
    _Step(480, 1_400_000, 22, 96_000),
    _Step(360, 800_000, 23, 96_000),
)
LADDER: list[int] = [step.height for step in _STEPS]


def output_fps(probe: ProbeResult) -> Fraction:
    """The output frame rate: the source's, capped at 60, regular for VFR sources."""
    source = Fraction(probe.fps).limit_denominator(1001) if probe.fps > 0 else Fraction(30)
    if probe.vfr:
        source = min(_STANDARD_RATES, key=lambda rate: abs(rate - source))
    return min(source, Fraction(int(FPS_CAP)))


def plan_ladder(probe: ProbeResult) -> list[Rung]:
    """Every rung the source can fill, highest first; never empty."""
    fps = float(output_fps(probe))
    long_side, short_side = max(probe.width, probe.height), min(probe.width, probe.height)
    rungs: list[Rung] = []
    for step in _STEPS:
        box_short, box_long = step.height, step.height * 16 / 9
        scale = min(box_short / short_side, box_long / long_side)
        if scale > _TOLERANCE:
            continue  # the source does not reach this rung's box
        scale = min(scale, 1.0)
        rungs.append(_rung(f"{step.height}p", step, probe, scale, fps))
    if not rungs:
        # Smaller than 360p: one rendition at the source's own (even) size.
        smallest = _STEPS[-1]
        rung = _rung("", smallest, probe, 1.0, fps)
        rungs.append(
            Rung(
                name=f"{min(rung.width, rung.height)}p",
                height=rung.height,
                width=rung.width,
                max_bitrate=rung.max_bitrate,
                bufsize=rung.bufsize,
                crf=rung.crf,
                audio_bitrate=rung.audio_bitrate,
                fps=rung.fps,
            )
        )
    return rungs


def _rung(name: str, step: _Step, probe: ProbeResult, scale: float, fps: float) -> Rung:
    width = _even(probe.width * scale, probe.width)
    height = _even(probe.height * scale, probe.height)
    return Rung(
        name=name,
        height=height,
        width=width,
        max_bitrate=step.max_bitrate,
        bufsize=2 * step.max_bitrate,
        crf=step.crf,
        audio_bitrate=step.audio_bitrate,
        fps=fps,
    )


def _even(value: float, limit: int) -> int:
    """Round to an even number (4:2:0 needs it) without exceeding the source."""
    even = 2 * round(value / 2)
    return max(2, min(even, limit - limit % 2))
