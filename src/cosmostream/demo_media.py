"""Short space-themed clips for the demo catalogue, drawn on the fly.

Each scene is a small animation drawn with Pillow (starfields, planets with
rings and moons, nebulae, a launch, an eclipse…) and encoded with PyAV to
H.264 + AAC in an MP4, exactly like a phone or an editor would hand one in.
The demo then uploads these files through the real pipeline, so probing,
the ladder, posters and storyboards are all exercised. Scenes are seeded, so
a clip (and its poster) looks the same on every machine.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import random
import threading
import time
from array import array
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from pathlib import Path

import av
from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageOps

FPS = 24
SIZE = (640, 360)
SAMPLE_RATE = 44_100

RGB = tuple[int, int, int]


@dataclass(frozen=True)
class Canvas:
    """What a scene draws on: the frame size and a seed for its randomness."""

    width: int
    height: int
    seed: int

    def rng(self, salt: int = 0) -> random.Random:
        return random.Random(self.seed * 7919 + salt)

    @property
    def size(self) -> tuple[int, int]:
        return (self.width, self.height)


# -- building blocks ------------------------------------------------------------


@lru_cache(maxsize=64)
def _falloff(diameter: int, power: float) -> Image.Image:
    """An L-mode disc: 255 at the centre fading to 0 at the rim (and 0 beyond)."""
    # Pillow's radial gradient is 0 at the centre and 181 at the middle of each edge.
    distance = Image.radial_gradient("L").resize((diameter, diameter), Image.Resampling.BILINEAR)
    return distance.point(lambda v: int(255 * max(0.0, 1 - v / 181) ** power))


def glow(diameter: int, color: RGB, power: float = 2.2, strength: float = 1.0) -> Image.Image:
    """A soft round light: an RGBA sprite whose alpha fades from the centre."""
    return _glow(max(2, int(diameter)), color, power, round(min(max(strength, 0.0), 4.0), 2))


@lru_cache(maxsize=512)
def _glow(diameter: int, color: RGB, power: float, strength: float) -> Image.Image:
    alpha = _falloff(diameter, power)
    if strength != 1.0:
        alpha = alpha.point(lambda v: min(255, int(v * strength)))
    sprite = Image.new("RGBA", (diameter, diameter), (*color, 0))
    sprite.putalpha(alpha)
    return sprite


def paste(base: Image.Image, sprite: Image.Image, center: tuple[float, float]) -> None:
    """Composite a sprite centred at `center`; parts outside the frame are cut off."""
    x = round(center[0] - sprite.width / 2)
    y = round(center[1] - sprite.height / 2)
    left, top = max(0, -x), max(0, -y)
    right = min(sprite.width, base.width - x)
    bottom = min(sprite.height, base.height - y)
    if right <= left or bottom <= top:
        return
    base.alpha_composite(sprite.crop((left, top, right, bottom)), (x + left, y + top))


def sky(size: tuple[int, int], top: RGB, bottom: RGB) -> Image.Image:
    """A vertical gradient."""
    ramp = Image.linear_gradient("L").resize(size)
    return Image.composite(
        Image.new("RGBA", size, (*bottom, 255)), Image.new("RGBA", size, (*top, 255)), ramp
    )


def stars(
    size: tuple[int, int], count: int, rng: random.Random, *, big: float = 0.04
) -> Image.Image:
    """A transparent layer of stars: mostly faint points, a few bright with a halo."""
    layer = Image.new("RGBA", size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    tints: list[RGB] = [(255, 255, 255), (200, 215, 255), (255, 236, 210), (255, 210, 190)]
    for _ in range(count):
        x, y = rng.uniform(0, size[0]), rng.uniform(0, size[1])
        tint = rng.choice(tints)
        level = rng.uniform(0.25, 1.0) ** 2
        if rng.random() < big:
            paste(layer, glow(rng.randint(6, 14), tint, 3.0, 0.9), (x, y))
            draw.point((x, y), fill=(*tint, 255))
        else:
            draw.point((x, y), fill=(*tint, int(60 + 195 * level)))
    return layer


def clouds(
    size: tuple[int, int],
    rng: random.Random,
    colors: tuple[RGB, RGB, RGB],
    *,
    coarse: int = 3,
    octaves: int = 5,
    gamma: float = 1.0,
) -> Image.Image:
    """Cloudy structure: octaves of smooth noise from `coarse` cells across down to
    fine grain, contrast-stretched, bent by `gamma` and coloured by a three-stop ramp."""
    width, height = size
    total: Image.Image | None = None
    weight_sum = 0.0
    for octave in range(octaves):
        cells = coarse * 2**octave
        random.seed(rng.random())  # effect_noise has no seed of its own
        noise = Image.effect_noise((cells, max(2, cells * height // width)), 90)
        layer = noise.resize(size, Image.Resampling.BICUBIC)
        weight = 0.55**octave
        total = (
            layer if total is None else Image.blend(total, layer, weight / (weight_sum + weight))
        )
        weight_sum += weight
    assert total is not None
    total = ImageOps.autocontrast(total, cutoff=1)
    if gamma != 1.0:
        total = total.point(lambda v: int(255 * (v / 255) ** gamma))
    return ImageOps.colorize(total, black=colors[0], mid=colors[1], white=colors[2]).convert("RGBA")


def sphere(
    diameter: int,
    colors: list[RGB],
    *,
    light: tuple[float, float] = (-0.45, -0.35),
    bands: bool = True,
    rng: random.Random | None = None,
) -> Image.Image:
    """A lit planet: bands (or blotches) of colour, shaded away from the light."""
    surface = _surface(diameter, tuple(colors), bands, (rng or random.Random(diameter)).random())
    return _lit(surface.crop((0, 0, diameter, diameter)), light)


@lru_cache(maxsize=16)
def _surface(diameter: int, colors: tuple[RGB, ...], bands: bool, seed: float) -> Image.Image:
    """A planet's surface, three diameters wide so it can turn by sliding a crop."""
    rng = random.Random(seed)
    width = diameter * 3
    surface = Image.new("RGB", (width, diameter), colors[0])
    draw = ImageDraw.Draw(surface)
    if bands:
        y = 0.0
        while y < diameter:
            h = rng.uniform(0.03, 0.09) * diameter
            draw.rectangle((0, y, width, y + h), fill=rng.choice(colors))
            y += h
        for _ in range(30):  # eddies along the belts
            x, y = rng.uniform(0, width), rng.uniform(0, diameter)
            r = rng.uniform(0.01, 0.04) * diameter
            draw.ellipse((x - r * 2, y - r, x + r * 2, y + r), fill=rng.choice(colors))
        return surface.filter(ImageFilter.GaussianBlur(diameter / 180))
    for _ in range(60):
        r = rng.uniform(0.03, 0.12) * diameter
        x, y = rng.uniform(0, width), rng.uniform(0.1, 0.9) * diameter
        draw.ellipse((x - r, y - r * 0.7, x + r, y + r * 0.7), fill=rng.choice(colors))
    return surface.filter(ImageFilter.GaussianBlur(diameter / 120))


def _lit(surface: Image.Image, light: tuple[float, float]) -> Image.Image:
    lit = ImageChops.multiply(surface, _shade(surface.width, light))
    lit.putalpha(_disc_mask(surface.width))
    return lit


@lru_cache(maxsize=16)
def _shade(diameter: int, light: tuple[float, float]) -> Image.Image:
    """Lambert-ish light: a broad falloff centred towards the light source."""
    size = int(diameter * 2.2)
    shade = _falloff(size, 0.9).convert("RGB")
    ox = int(size / 2 - diameter / 2 - light[0] * diameter * 0.55)
    oy = int(size / 2 - diameter / 2 - light[1] * diameter * 0.55)
    crop = shade.crop((ox, oy, ox + diameter, oy + diameter))
    return crop.point(lambda v: min(255, int(v * 1.5)))


@lru_cache(maxsize=16)
def _disc_mask(diameter: int) -> Image.Image:
    big = Image.new("L", (diameter * 4, diameter * 4), 0)
    ImageDraw.Draw(big).ellipse((2, 2, diameter * 4 - 3, diameter * 4 - 3), fill=255)
    return big.resize((diameter, diameter), Image.Resampling.LANCZOS)


def soft(layer: Image.Image, radius: float) -> Image.Image:
    """A blurred copy, blurred at half size: four times cheaper, and it is only a glow."""
    half = layer.resize((layer.width // 2, layer.height // 2), Image.Resampling.BILINEAR)
    return half.filter(ImageFilter.GaussianBlur(radius / 2)).resize(layer.size)


def ease(t: float) -> float:
    return t * t * (3 - 2 * t)


# -- scenes ---------------------------------------------------------------------
# Each takes t in [0, 1) and returns an RGB frame. Costly layers are cached per canvas.


@lru_cache(maxsize=32)
def _starfield(canvas: Canvas, count: int, pad: int = 0, salt: int = 0) -> Image.Image:
    size = (canvas.width + pad, canvas.height + pad)
    return stars(size, count, canvas.rng(salt))


@lru_cache(maxsize=32)
def _space(canvas: Canvas, count: int = 420) -> Image.Image:
    base = sky(canvas.size, (3, 5, 16), (8, 10, 28))
    base.alpha_composite(_starfield(canvas, count))
    return base


def ringed_planet(t: float, c: Canvas) -> Image.Image:
    frame = _space(c).copy()
    d = int(c.height * (0.52 + 0.06 * ease(t)))
    planet = _cached_sphere(d, ((214, 190, 140), (190, 160, 110), (230, 210, 170)), c.seed)
    cx, cy = c.width * 0.52, c.height * 0.5
    tilt = 0.28 + 0.04 * math.sin(t * math.pi)
    rings = Image.new("RGBA", c.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(rings)
    for k, (inner, tone) in enumerate(((1.25, 150), (1.45, 205), (1.62, 120), (1.78, 180))):
        rx, ry = d / 2 * inner, d / 2 * inner * tilt
        draw.ellipse(
            (cx - rx, cy - ry, cx + rx, cy + ry),
            outline=(tone + 30, tone + 10, tone - 30, 230),
            width=max(2, d // 28 - k),
        )
    back = rings.crop((0, 0, c.width, int(cy)))
    frame.alpha_composite(back, (0, 0))
    paste(frame, planet, (cx, cy))
    front = rings.crop((0, int(cy), c.width, c.height))
    frame.alpha_composite(front, (0, int(cy)))
    return frame.convert("RGB")


@lru_cache(maxsize=32)
def _cached_sphere(d: int, colors: tuple[RGB, ...], seed: int, bands: bool = True) -> Image.Image:
    return sphere(d, list(colors), rng=random.Random(seed), bands=bands)


def gas_giant(t: float, c: Canvas) -> Image.Image:
    frame = _space(c).copy()
    d = int(c.height * 0.86)
    colors = ((196, 150, 110), (225, 200, 170), (170, 120, 90), (240, 225, 205), (150, 110, 90))
    surface = _surface(d, colors, True, c.seed + 0.5).copy()
    # The Great Red Spot, painted on the surface so it turns with the planet.
    ImageDraw.Draw(surface).ellipse(
        (d * 1.2, d * 0.6, d * 1.38, d * 0.68), fill=(190, 85, 55), outline=(230, 190, 160)
    )
    x = int(d * (1.5 - 0.9 * t))
    paste(frame, _lit(surface.crop((x - d // 2, 0, x + d - d // 2, d)), (-0.4, -0.3)),
          (c.width * 0.5, c.height * 0.5))  # fmt: skip
    return frame.convert("RGB")


def moon_orbit(t: float, c: Canvas) -> Image.Image:
    frame = _space(c).copy()
    d = int(c.height * 0.42)
    planet = _cached_sphere(d, ((70, 110, 190), (90, 140, 210), (200, 210, 230)), c.seed, False)
    moon_colors = ((200, 190, 170), (170, 150, 120), (220, 210, 190))
    moon = _cached_sphere(d // 4, moon_colors, c.seed + 1, False)
    cx, cy = c.width / 2, c.height / 2
    angle = t * 2 * math.pi * 0.9 + 0.6
    mx = cx + math.cos(angle) * c.width * 0.36
    my = cy + math.sin(angle) * c.height * 0.12
    paste(frame, glow(int(d * 1.5), (90, 140, 255), 3.0, 0.35), (cx, cy))
    behind = math.sin(angle) < 0
    if behind:
        paste(frame, moon, (mx, my))
    paste(frame, planet, (cx, cy))
    if not behind:
        paste(frame, moon, (mx, my))
    return frame.convert("RGB")


@lru_cache(maxsize=8)
def _mars(canvas: Canvas) -> Image.Image:
    w, h = canvas.size
    rng = canvas.rng(3)
    base = sky((w, h), (190, 140, 110), (225, 175, 140))
    ground = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    draw = ImageDraw.Draw(ground)
    for layer, (tone, height) in enumerate(
        (((150, 80, 50), 0.62), ((125, 65, 40), 0.7), ((100, 50, 32), 0.8))
    ):
        points = [(0.0, float(h))]
        for x in range(0, w + 40, 40):
            points.append((float(x), h * height + rng.uniform(-18, 18) * (3 - layer) / 2))
        points.append((float(w), float(h)))
        draw.polygon(points, fill=(*tone, 255))
    for _ in range(60):
        rx, ry = rng.uniform(0, w), rng.uniform(h * 0.8, h)
        r = rng.uniform(1, 5)
        draw.ellipse((rx - r, ry - r / 2, rx + r, ry + r / 2), fill=(70, 35, 25, 255))
    base.alpha_composite(ground)
    return base


def mars_sol(t: float, c: Canvas) -> Image.Image:
    frame = _mars(c).copy()
    sun_x = c.width * (0.15 + 0.7 * t)
    sun_y = c.height * (0.5 - 0.35 * math.sin(t * math.pi))
    # Martian sunsets are blue near the Sun: fine dust scatters blue forwards.
    paste(frame, glow(int(c.height * 0.5), (150, 180, 230), 2.5, 0.7), (sun_x, sun_y))
    paste(frame, glow(int(c.height * 0.06), (255, 250, 240), 1.2), (sun_x, sun_y))
    fg = _mars(c).crop((0, int(c.height * 0.6), c.width, c.height))
    frame.alpha_composite(fg, (0, int(c.height * 0.6)))
    return frame.convert("RGB")


def solar_flare(t: float, c: Canvas) -> Image.Image:
    frame = _space(c, 120).copy()
    d = int(c.height * 0.8)
    cx, cy = c.width * 0.5, c.height * 0.55
    paste(frame, glow(int(d * 1.6), (255, 120, 30), 2.0, 0.8), (cx, cy))
    paste(frame, _sun_disc(d, c.seed), (cx, cy))
    draw = ImageDraw.Draw(frame)
    rng = c.rng(5)
    for k in range(5):
        a = -math.pi / 2 + rng.uniform(-1.2, 1.2)
        lift = (0.5 + 0.5 * math.sin(t * 2 * math.pi + k)) * d * 0.16 + d * 0.05
        x0, y0 = cx + math.cos(a) * d / 2, cy + math.sin(a) * d / 2
        x1, y1 = cx + math.cos(a + 0.22) * d / 2, cy + math.sin(a + 0.22) * d / 2
        mx = (x0 + x1) / 2 + math.cos(a + 0.11) * lift
        my = (y0 + y1) / 2 + math.sin(a + 0.11) * lift
        draw.line([(x0, y0), (mx, my), (x1, y1)], fill=(255, 190, 90, 255), width=4, joint="curve")
    return frame.convert("RGB")


@lru_cache(maxsize=8)
def _sun_disc(d: int, seed: int) -> Image.Image:
    palette = ((200, 70, 10), (250, 150, 40), (255, 230, 150))
    granules = clouds((d, d), random.Random(seed), palette, coarse=10, octaves=3)
    limb = _falloff(int(d * 1.3), 0.35).crop(
        (int(d * 0.15), int(d * 0.15), int(d * 1.15), int(d * 1.15))
    )
    disc = ImageChops.multiply(granules.convert("RGB"), limb.convert("RGB"))
    mask = Image.new("L", (d, d), 0)
    ImageDraw.Draw(mask).ellipse((0, 0, d - 1, d - 1), fill=255)
    disc.putalpha(mask)
    return disc


def binary_stars(t: float, c: Canvas) -> Image.Image:
    frame = _space(c).copy()
    cx, cy = c.width / 2, c.height / 2
    for k in range(24, -1, -1):  # trails fading behind each star
        a = (t - k * 0.008) * 2 * math.pi * 1.3
        fade = 1 - k / 25
        for sign, color, radius in ((1, (255, 210, 150), 0.32), (-1, (150, 190, 255), 0.2)):
            x = cx + sign * math.cos(a) * c.width * radius * 0.6
            y = cy + sign * math.sin(a) * c.height * radius * 0.5
            size = int(c.height * (0.25 if k == 0 else 0.04) * (1 if sign > 0 else 0.8))
            paste(frame, glow(size, color, 2.0 if k == 0 else 3.0, fade), (x, y))
    return frame.convert("RGB")


@lru_cache(maxsize=8)
def _nebula(canvas: Canvas, colors: tuple[RGB, RGB, RGB], band: bool = False) -> Image.Image:
    size = (int(canvas.width * 1.3), int(canvas.height * 1.3))
    neb = clouds(size, canvas.rng(11), colors, coarse=2, octaves=6, gamma=1.6)
    fade = clouds(size, canvas.rng(13), ((0, 0, 0), (90, 90, 90), (255, 255, 255)), coarse=2)
    mask = fade.convert("L")
    if band:  # a galactic band across the frame, with a dark dust lane along it
        ramp = Image.linear_gradient("L").resize(size)
        across = ramp.point(lambda v: int(255 * math.exp(-(((v - 128) / 46) ** 2))))
        lane = ramp.point(lambda v: 255 - int(200 * math.exp(-(((v - 132) / 10) ** 2))))
        mask = ImageChops.multiply(ImageChops.multiply(mask, across), lane).rotate(-14)
    dark = Image.new("RGBA", size, (*colors[0], 255))
    out = Image.composite(neb, dark, mask)
    out.alpha_composite(stars(size, 700, canvas.rng(12)))
    return out


def nebula(t: float, c: Canvas) -> Image.Image:
    neb = _nebula(c, ((3, 3, 16), (170, 50, 120), (255, 200, 170)))
    zoom = 1.0 + 0.12 * t
    w, h = c.width * 1.2 / zoom, c.height * 1.2 / zoom
    x0 = (neb.width - w) * (0.2 + 0.5 * t)
    y0 = (neb.height - h) * 0.45
    return neb.crop((int(x0), int(y0), int(x0 + w), int(y0 + h))).resize(c.size).convert("RGB")


@lru_cache(maxsize=8)
def _galaxy_stars(canvas: Canvas) -> list[tuple[float, float, RGB, int]]:
    """(radius 0..1, angle, colour, alpha) of the stars of a two-armed spiral."""
    rng = canvas.rng(21)
    found = []
    for _ in range(2200):
        r = rng.random() ** 0.7
        arm = rng.randrange(2) * math.pi
        theta = arm + math.log(0.05 + r) * 2.4 + rng.gauss(0, 0.22 + 0.2 * (1 - r))
        young = rng.random() < 0.35 * r
        color = (150, 180, 255) if young else (255, 225, 190)
        found.append((r, theta, color, int(110 + 145 * (1 - r) ** 0.5)))
    return found


def spiral_galaxy(t: float, c: Canvas) -> Image.Image:
    frame = _space(c, 250).copy()
    cx, cy = c.width / 2, c.height / 2
    layer = Image.new("RGBA", c.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    spin = t * 0.7
    for r, theta, color, alpha in _galaxy_stars(c):
        a = theta - spin * (1.3 - r)  # the inside turns faster
        x = cx + math.cos(a) * r * c.width * 0.42
        y = cy + math.sin(a) * r * c.height * 0.36
        draw.rectangle((x, y, x + 1, y + 1), fill=(*color, alpha))
    frame.alpha_composite(soft(layer, 3))
    frame.alpha_composite(layer)
    paste(frame, glow(int(c.height * 0.5), (255, 225, 180), 2.2), (cx, cy))
    return frame.convert("RGB")


def milky_way(t: float, c: Canvas) -> Image.Image:
    band = _nebula(c, ((2, 3, 12), (150, 135, 160), (255, 245, 225)), band=True)
    w, h = c.width, c.height
    x0 = (band.width - w) * t
    y0 = (band.height - h) // 2
    view = band.crop((int(x0), y0, int(x0) + w, y0 + h))
    near = _starfield(c, 260, pad=c.width, salt=1)  # nearer stars slide faster
    shift = int(c.width * 0.8 * t)
    view.alpha_composite(near.crop((shift, 0, shift + w, h)))
    return view.convert("RGB")


def cmb_map(t: float, c: Canvas) -> Image.Image:
    frame = Image.new("RGBA", c.size, (6, 6, 14, 255))
    w, h = int(c.width * 0.86), int(c.height * 0.8)
    field = _cmb(c, w, h)
    reveal = ease(min(1.0, t * 1.4))
    mask = Image.new("L", (w, h), 0)
    ImageDraw.Draw(mask).ellipse((0, 0, w - 1, h - 1), fill=255)
    sweep = Image.new("L", (w, h), 0)
    ImageDraw.Draw(sweep).rectangle((0, 0, int(w * reveal), h), fill=255)
    field = field.copy()
    field.putalpha(ImageChops.multiply(mask, sweep))
    frame.alpha_composite(field, ((c.width - w) // 2, (c.height - h) // 2))
    return frame.convert("RGB")


@lru_cache(maxsize=8)
def _cmb(canvas: Canvas, w: int, h: int) -> Image.Image:
    colors = ((20, 40, 160), (240, 200, 60), (200, 30, 20))
    return clouds((w, h), canvas.rng(31), colors, coarse=8, octaves=4)


@lru_cache(maxsize=8)
def _lensed_halo(c: Canvas) -> Image.Image:
    """Light from the far side of the disc, bent up and over the hole."""
    cx, cy, r0 = c.width / 2, c.height / 2, c.height * 0.13
    halo = Image.new("RGBA", c.size, (0, 0, 0, 0))
    ImageDraw.Draw(halo).ellipse(
        (cx - r0 * 1.9, cy - r0 * 1.75, cx + r0 * 1.9, cy + r0 * 1.75),
        outline=(255, 180, 100, 200),
        width=int(r0 * 0.3),
    )
    return halo.filter(ImageFilter.GaussianBlur(4))


def black_hole(t: float, c: Canvas) -> Image.Image:
    frame = _space(c).copy()
    cx, cy = c.width / 2, c.height / 2
    r0 = c.height * 0.13
    disc = Image.new("RGBA", c.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(disc)
    segments = 20
    for ring in range(16):
        f = ring / 15
        r = r0 * (1.5 + 2.2 * f)
        speed = (1.5 / (1.5 + 2.2 * f)) ** 1.5
        for k in range(segments):
            a0 = 360 * k / segments
            rad = math.radians(a0)
            # The side coming towards us is brighter (Doppler beaming); hot spots orbit.
            beam = 0.55 + 0.45 * math.cos(rad)
            spot = 0.75 + 0.25 * math.sin(3 * (rad - t * 2 * math.pi * speed) + ring)
            level = beam * spot * (1 - 0.6 * f)
            color = (255, int(110 + 130 * (1 - f)), int(40 + 150 * (1 - f) ** 2), int(255 * level))
            box = (cx - r * 1.7, cy - r * 0.32, cx + r * 1.7, cy + r * 0.32)
            draw.arc(box, a0, a0 + 360 / segments + 1, fill=color, width=4)
    disc = disc.filter(ImageFilter.BoxBlur(1))
    frame.alpha_composite(_lensed_halo(c))
    frame.alpha_composite(disc.crop((0, 0, c.width, int(cy))), (0, 0))
    draw = ImageDraw.Draw(frame)
    draw.ellipse((cx - r0 * 1.08, cy - r0 * 1.08, cx + r0 * 1.08, cy + r0 * 1.08),
                 outline=(255, 225, 180, 255), width=2)  # fmt: skip
    draw.ellipse((cx - r0, cy - r0, cx + r0, cy + r0), fill=(0, 0, 0, 255))
    frame.alpha_composite(disc.crop((0, int(cy), c.width, c.height)), (0, int(cy)))
    return frame.convert("RGB")


def comet(t: float, c: Canvas) -> Image.Image:
    frame = _space(c, 500).copy()
    hx, hy = c.width * (0.7 - 0.35 * t), c.height * (0.62 - 0.2 * t)
    tail = Image.new("RGBA", c.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(tail)
    for k in range(50):  # the dust tail, pointing away from the Sun (upper right)
        f = k / 50
        r = c.height * (0.02 + 0.1 * f)
        x, y = hx + f * c.width * 0.55, hy - f * c.height * 0.5 + f * f * c.height * 0.15
        draw.ellipse((x - r, y - r, x + r, y + r), fill=(230, 225, 200, int(70 * (1 - f))))
    for k in range(40):  # the straight blue ion tail
        f = k / 40
        x, y = hx + f * c.width * 0.6, hy - f * c.height * 0.6
        draw.ellipse((x - 3, y - 3, x + 3, y + 3), fill=(120, 180, 255, int(140 * (1 - f))))
    frame.alpha_composite(soft(tail, 5))
    paste(frame, glow(int(c.height * 0.22), (200, 235, 255), 2.0), (hx, hy))
    paste(frame, glow(int(c.height * 0.05), (255, 255, 255), 1.0), (hx, hy))
    return frame.convert("RGB")


@lru_cache(maxsize=8)
def _launch_site(canvas: Canvas) -> Image.Image:
    w, h = canvas.size
    base = sky((w, h), (6, 10, 30), (40, 50, 90))
    base.alpha_composite(_starfield(canvas, 200))
    draw = ImageDraw.Draw(base)
    draw.rectangle((0, h * 0.86, w, h), fill=(10, 12, 20, 255))
    draw.rectangle((w * 0.58, h * 0.45, w * 0.6, h * 0.86), fill=(20, 22, 34, 255))  # tower
    return base


def rocket_launch(t: float, c: Canvas) -> Image.Image:
    frame = _launch_site(c).copy()
    w, h = c.size
    rise = ease(t) * h * 0.55
    x, base_y = w * 0.53, h * 0.84 - rise
    rng = c.rng(51)
    plume = Image.new("RGBA", c.size, (0, 0, 0, 0))
    for _ in range(140):  # exhaust puffs born at different times, ageing as they fall
        born = rng.random()
        age = (t - born * 0.9) % 1.0
        px = x + rng.gauss(0, 6) * (1 + age * 6)
        py = base_y + 20 + age * h * 0.5
        # Sizes, colours and strengths in steps, so the sprites come from the cache.
        step = round(age * 12) / 12
        size = int(8 + step * 60)
        color = (255, int(220 - 160 * min(1, step * 3)), int(120 * (1 - min(1, step * 4))))
        paste(plume, glow(size, color, 1.6, (1 - step) * 0.5), (px, min(py, h * 0.9)))
    frame.alpha_composite(plume)
    paste(frame, glow(int(h * 0.4), (255, 180, 90), 2.0, 0.9), (x, base_y + 24))
    draw = ImageDraw.Draw(frame)
    draw.rectangle((x - 5, base_y - 60, x + 5, base_y + 14), fill=(225, 228, 235, 255))
    draw.polygon(
        [(x - 5, base_y - 60), (x + 5, base_y - 60), (x, base_y - 76)], fill=(225, 228, 235, 255)
    )
    return frame.convert("RGB")


@lru_cache(maxsize=8)
def _orbit_view(canvas: Canvas) -> Image.Image:
    """Black sky over the curve of the Earth, with its thin blue atmosphere."""
    w, h = canvas.size
    frame = _space(canvas, 300).copy()
    r = w * 1.1
    cx, cy = w * 0.5, h * 0.78 + r
    air = Image.new("RGBA", canvas.size, (0, 0, 0, 0))
    ImageDraw.Draw(air).ellipse(
        (cx - r - 8, cy - r - 8, cx + r + 8, cy + r + 8), outline=(110, 170, 255, 230), width=14
    )
    frame.alpha_composite(air.filter(ImageFilter.GaussianBlur(7)))
    ocean = clouds(canvas.size, canvas.rng(81), ((20, 60, 140), (50, 110, 180), (235, 240, 250)),
                   coarse=6, octaves=4, gamma=0.9)  # fmt: skip
    mask = Image.new("L", canvas.size, 0)
    ImageDraw.Draw(mask).ellipse((cx - r, cy - r, cx + r, cy + r), fill=255)
    frame.paste(ocean, (0, 0), mask)
    return frame


def stage_separation(t: float, c: Canvas) -> Image.Image:
    frame = _orbit_view(c).copy()
    w, h = c.size
    gap = ease(max(0.0, t - 0.25) / 0.75) * w * 0.22
    draw = ImageDraw.Draw(frame)
    cx, cy = w * 0.5, h * 0.4
    ship = (215, 220, 228, 255)
    # The upper stage moves away and lights its engines.
    ux = cx + gap * 0.4
    draw.rectangle((ux, cy - 9, ux + 90, cy + 9), fill=ship)
    draw.polygon([(ux + 90, cy - 9), (ux + 90, cy + 9), (ux + 118, cy)], fill=ship)
    if t > 0.45:
        paste(frame, glow(46, (140, 190, 255), 1.6), (ux - 8, cy))
    # The booster drifts back with its grid fins out.
    bx = cx - 6 - gap
    draw.rectangle((bx - 150, cy - 12, bx, cy + 12), fill=(160, 165, 175, 255))
    for fx in (bx - 8, bx - 14):
        draw.line([(fx, cy - 20), (fx, cy + 20)], fill=(110, 115, 125, 255), width=3)
    return frame.convert("RGB")


def moon_eyepiece(t: float, c: Canvas) -> Image.Image:
    frame = Image.new("RGBA", c.size, (0, 0, 0, 255))
    d = int(c.height * 1.5)
    moon = _crater_moon(d, c.seed)
    x = c.width * (0.62 - 0.2 * t)
    y = c.height * (0.62 - 0.1 * t)
    paste(frame, moon, (x, y))
    vignette = Image.new("L", c.size, 0)
    r = c.height * 0.47
    ImageDraw.Draw(vignette).ellipse(
        (c.width / 2 - r, c.height / 2 - r, c.width / 2 + r, c.height / 2 + r), fill=255
    )
    vignette = vignette.filter(ImageFilter.GaussianBlur(6))
    black = Image.new("RGBA", c.size, (0, 0, 0, 255))
    return Image.composite(frame, black, vignette).convert("RGB")


@lru_cache(maxsize=8)
def _crater_moon(d: int, seed: int) -> Image.Image:
    moon = sphere(d, [(175, 172, 165), (150, 146, 140), (195, 192, 185)], bands=False,
                  rng=random.Random(seed), light=(0.55, -0.2))  # fmt: skip
    draw = ImageDraw.Draw(moon)
    rng = random.Random(seed + 1)
    alpha = moon.getchannel("A")
    for _ in range(160):
        r = rng.uniform(0.004, 0.04) * d
        x, y = rng.uniform(0.1, 0.9) * d, rng.uniform(0.1, 0.9) * d
        draw.ellipse((x - r, y - r, x + r, y + r), outline=(210, 208, 200, 200), width=1)
        draw.ellipse((x - r * 0.8, y - r * 0.6, x + r * 0.8, y + r), fill=(120, 118, 112, 150))
    moon.putalpha(alpha)
    return moon


def mirror_segments(t: float, c: Canvas) -> Image.Image:
    frame = _space(c, 200).copy()
    draw = ImageDraw.Draw(frame)
    cx, cy = c.width / 2, c.height / 2
    s = c.height * 0.12
    cells = [(q, r) for q in range(-2, 3) for r in range(-2, 3) if abs(q + r) <= 2]
    cells = [cell for cell in cells if cell != (0, 0)]
    for q, r in cells:
        x = cx + s * 1.5 * q
        y = cy + s * math.sqrt(3) * (r + q / 2)
        phase = math.sin(t * 2 * math.pi + q * 0.9 - r * 0.6)
        gold = (int(200 + 40 * phase), int(160 + 40 * phase), int(60 + 30 * phase))
        points = [
            (x + s * 0.95 * math.cos(math.pi / 3 * k), y + s * 0.95 * math.sin(math.pi / 3 * k))
            for k in range(6)
        ]
        draw.polygon(points, fill=(*gold, 255), outline=(90, 70, 30, 255))
    paste(frame, glow(int(s * 1.4), (255, 245, 210), 2.0, 0.5 + 0.4 * math.sin(t * 6)), (cx, cy))
    return frame.convert("RGB")


@lru_cache(maxsize=8)
def _night_land(canvas: Canvas) -> Image.Image:
    w, h = canvas.size
    base = sky((w, h), (2, 6, 16), (10, 24, 40))
    base.alpha_composite(_starfield(canvas, 300))
    return base


def aurora(t: float, c: Canvas) -> Image.Image:
    frame = _night_land(c).copy()
    w, h = c.size
    curtain = Image.new("RGBA", c.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(curtain)
    for x in range(0, w, 3):
        wave = math.sin(x / w * 6 + t * 4) * 0.08 + math.sin(x / w * 17 - t * 7) * 0.03
        top = h * (0.12 + wave)
        bottom = h * (0.55 + wave * 0.5)
        strength = 0.5 + 0.5 * math.sin(x / w * 11 + t * 5)
        draw.line([(x, top), (x, bottom)], fill=(60, 255, 150, int(40 + 90 * strength)), width=3)
        draw.line([(x, top - h * 0.08), (x, top)], fill=(200, 80, 200, int(25 * strength)), width=3)
    frame.alpha_composite(soft(curtain, 5))
    draw = ImageDraw.Draw(frame)
    rng = c.rng(61)
    ridge = (
        [(0.0, float(h))]
        + [
            (float(x), h * 0.8 + rng.uniform(-14, 14) + math.sin(x / 60) * 10)
            for x in range(0, w + 30, 30)
        ]
        + [(float(w), float(h))]
    )
    draw.polygon(ridge, fill=(3, 5, 8, 255))
    return frame.convert("RGB")


def meteors(t: float, c: Canvas) -> Image.Image:
    frame = _night_land(c).copy()
    draw = ImageDraw.Draw(frame)
    rng = c.rng(71)
    rx, ry = c.width * 0.8, c.height * 0.1  # the radiant
    for _ in range(14):
        start = rng.uniform(-0.1, 0.9)
        life = rng.uniform(0.08, 0.18)
        angle = rng.uniform(2.0, 2.9)
        dist = rng.uniform(0.1, 0.35) * c.width
        age = (t - start) / life
        if 0 <= age <= 1:
            head = dist + age * c.width * 0.25
            x1, y1 = rx + math.cos(angle) * head, ry + math.sin(angle) * head
            x0, y0 = rx + math.cos(angle) * (head - 60), ry + math.sin(angle) * (head - 60)
            draw.line([(x0, y0), (x1, y1)], fill=(255, 250, 230, int(255 * (1 - age))), width=2)
    return frame.convert("RGB")


def eclipse(t: float, c: Canvas) -> Image.Image:
    frame = _space(c, 150).copy()
    cx, cy = c.width / 2, c.height / 2
    d = int(c.height * 0.42)
    cover = ease(min(1.0, t * 1.25))
    paste(
        frame, glow(int(d * (1.2 + 1.6 * cover)), (230, 230, 255), 2.5, 0.2 + 0.7 * cover), (cx, cy)
    )
    paste(frame, glow(d, (255, 245, 220), 0.6), (cx, cy))
    mx = cx + (1 - cover) * d * 1.05
    draw = ImageDraw.Draw(frame)
    draw.ellipse((mx - d * 0.51, cy - d * 0.51, mx + d * 0.51, cy + d * 0.51), fill=(0, 0, 0, 255))
    if 0.6 < t < 0.85:  # the diamond ring as the last sunlight slips past
        paste(frame, glow(int(d * 0.5), (255, 255, 255), 1.5), (cx - d * 0.48, cy - d * 0.12))
    return frame.convert("RGB")


# Cassiopeia's W, then the hop down to Andromeda: (x, y) as fractions of the frame.
STAR_HOP = [(0.12, 0.2), (0.2, 0.32), (0.3, 0.22), (0.38, 0.34), (0.47, 0.24),
            (0.52, 0.45), (0.58, 0.62), (0.66, 0.72)]  # fmt: skip
ORION = [(0.35, 0.2), (0.62, 0.24), (0.46, 0.47), (0.5, 0.5), (0.54, 0.53),
         (0.36, 0.8), (0.66, 0.78)]  # fmt: skip


def constellation(t: float, c: Canvas, points: list[tuple[float, float]]) -> Image.Image:
    frame = _space(c, 600).copy()
    draw = ImageDraw.Draw(frame)
    path = [(x * c.width, y * c.height) for x, y in points]
    drawn = ease(min(1.0, t * 1.2)) * (len(path) - 1)
    for i in range(len(path) - 1):
        part = min(1.0, max(0.0, drawn - i))
        if part <= 0:
            break
        (x0, y0), (x1, y1) = path[i], path[i + 1]
        end = (x0 + (x1 - x0) * part, y0 + (y1 - y0) * part)
        draw.line([path[i], end], fill=(120, 170, 255, 200), width=2)
    for x, y in path:
        paste(frame, glow(int(c.height * 0.07), (255, 250, 235), 2.2), (x, y))
    if drawn >= len(path) - 1.01 and points is STAR_HOP:
        paste(frame, glow(int(c.height * 0.2), (210, 210, 255), 2.0, 0.8), path[-1])
    return frame.convert("RGB")


def transit(t: float, c: Canvas) -> Image.Image:
    frame = _space(c, 200).copy()
    w, h = c.size
    cx, cy = w / 2, h * 0.38
    d = int(h * 0.5)
    paste(frame, glow(int(d * 1.5), (255, 190, 120), 2.0, 0.6), (cx, cy))
    paste(frame, glow(d, (255, 230, 170), 0.5), (cx, cy))
    px = cx - d * 0.9 + t * d * 1.8
    r = d * 0.07
    draw = ImageDraw.Draw(frame)
    draw.ellipse((px - r, cy + d * 0.1 - r, px + r, cy + d * 0.1 + r), fill=(5, 5, 10, 255))
    # The light curve below: flat, a dip while the planet crosses, flat again.
    top, left, right = h * 0.8, w * 0.1, w * 0.9
    curve = []
    for k in range(101):
        f = k / 100
        if f > t:
            break
        pos = cx - d * 0.9 + f * d * 1.8
        inside = abs(pos - cx) < d * 0.42
        curve.append((left + f * (right - left), top + (14 if inside else 0)))
    if len(curve) > 1:
        draw.line(curve, fill=(140, 220, 160, 255), width=2)
    draw.line([(left, top + 30), (right, top + 30)], fill=(60, 70, 100, 255), width=1)
    return frame.convert("RGB")


# -- long, high-resolution scenes ----------------------------------------------
# The showcase clips are 1080p or 2160p and 20-60 s long, so each frame must cost
# little: the picture is drawn once, larger than the frame, and the camera moves
# over it (a crop, at most a resize), as a documentary pans over a still.


@lru_cache(maxsize=2)
def _deep_field(canvas: Canvas) -> Image.Image:
    """A patch of sky crowded with faint galaxies, 1.5 frames wide."""
    w, h = int(canvas.width * 1.5), int(canvas.height * 1.5)
    field = sky((w, h), (1, 2, 8), (4, 4, 14))
    field.alpha_composite(stars((w, h), w * h // 4000, canvas.rng(31), big=0.01))
    rng = canvas.rng(32)
    unit = canvas.height / 360
    tints: list[RGB] = [(255, 214, 170), (255, 236, 214), (170, 196, 255), (255, 170, 140)]
    for _ in range(w * h // 2500):
        size = int(unit * rng.uniform(2, 7) * (1 + 3 * rng.random() ** 6))
        blob = glow(size * 2, rng.choice(tints), 1.8, rng.uniform(0.3, 1.0))
        squash = rng.uniform(0.3, 1.0)
        blob = blob.resize((blob.width, max(2, int(blob.height * squash)))).rotate(
            rng.uniform(0, 180), expand=True
        )
        paste(field, blob, (rng.uniform(0, w), rng.uniform(0, h)))
    return field.convert("RGB")


def deep_field(t: float, c: Canvas) -> Image.Image:
    """A slow zoom into the deep field."""
    field = _deep_field(c)
    zoom = 1.0 + 0.5 * ease(t)
    w, h = field.width / 1.5 / zoom * 1.4, field.height / 1.5 / zoom * 1.4
    cx, cy = field.width * (0.5 + 0.05 * t), field.height * (0.5 - 0.03 * t)
    box = (int(cx - w / 2), int(cy - h / 2), int(cx + w / 2), int(cy + h / 2))
    return field.resize(c.size, Image.Resampling.BILINEAR, box=box)


@lru_cache(maxsize=2)
def _panorama(canvas: Canvas) -> Image.Image:
    """The Milky Way arching over a dark horizon, 2.2 frames wide."""
    w, h = int(canvas.width * 2.2), canvas.height
    rng = canvas.rng(41)
    glow_layer = clouds((w, h), rng, ((4, 5, 16), (120, 110, 140), (255, 240, 220)), coarse=3,
                        octaves=6, gamma=1.4)  # fmt: skip
    # The band's shape, computed on a coarse grid and smoothed up: an arch across
    # the sky, brightest along its middle, split by a dark dust lane.
    gw, gh = 240, max(8, 240 * h // w)
    band, lane = [], []
    for y in range(gh):
        for x in range(gw):
            centre = 0.55 - 0.3 * math.sin(math.pi * x / (gw - 1))
            off = (y / (gh - 1) - centre) / 0.16
            band.append(int(255 * math.exp(-(off**2))))
            lane.append(255 - int(170 * math.exp(-(((off - 0.1) / 0.18) ** 2))))
    mask = Image.new("L", (gw, gh))
    mask.putdata(band)
    dust = Image.new("L", (gw, gh))
    dust.putdata(lane)
    mask = ImageChops.multiply(mask, dust).resize((w, h), Image.Resampling.BICUBIC)
    view = Image.composite(glow_layer, sky((w, h), (2, 3, 12), (10, 12, 26)), mask)
    view.alpha_composite(stars((w, h), w * h // 900, canvas.rng(42), big=0.01))
    ground = Image.new("L", (w, h), 0)
    points = [(0.0, float(h))]
    for k in range(0, w + 1, max(1, h // 90)):
        hills = 0.05 * math.sin(k / w * 7) + 0.02 * math.sin(k / w * 31)
        points.append((float(k), h * (0.87 - hills - rng.uniform(0, 0.008))))
    points.append((float(w), float(h)))
    ImageDraw.Draw(ground).polygon(points, fill=255)
    view.paste((5, 6, 10, 255), (0, 0), ground)
    return view.convert("RGB")


def panorama(t: float, c: Canvas) -> Image.Image:
    """A pan along the band, left to right."""
    view = _panorama(c)
    x0 = int((view.width - c.width) * ease(t))
    return view.crop((x0, 0, x0 + c.width, c.height))


@lru_cache(maxsize=2)
def _terminator(canvas: Canvas) -> Image.Image:
    """A quarter Moon filling the sky, lit from the right, on black."""
    d = int(canvas.height * 2.6)
    frame = Image.new("RGBA", (int(d * 1.2), int(d * 1.2)), (0, 0, 0, 255))
    paste(frame, _crater_moon(d, canvas.seed), (frame.width / 2, frame.height / 2))
    return frame.convert("RGB")


def lunar_terminator(t: float, c: Canvas) -> Image.Image:
    """A telescope's slow drift down the line between lunar day and night."""
    moon = _terminator(c)
    x0 = int(moon.width * 0.18)
    y0 = int((moon.height - c.height) * (0.1 + 0.8 * t))
    return moon.crop((x0, y0, x0 + c.width, y0 + c.height))


SCENES: dict[str, Callable[[float, Canvas], Image.Image]] = {
    "ringed_planet": ringed_planet,
    "gas_giant": gas_giant,
    "moon_orbit": moon_orbit,
    "mars_sol": mars_sol,
    "solar_flare": solar_flare,
    "binary_stars": binary_stars,
    "nebula": nebula,
    "spiral_galaxy": spiral_galaxy,
    "milky_way": milky_way,
    "cmb_map": cmb_map,
    "black_hole": black_hole,
    "comet": comet,
    "rocket_launch": rocket_launch,
    "stage_separation": stage_separation,
    "moon_eyepiece": moon_eyepiece,
    "mirror_segments": mirror_segments,
    "aurora": aurora,
    "meteors": meteors,
    "eclipse": eclipse,
    "star_hop": lambda t, c: constellation(t, c, STAR_HOP),
    "orion": lambda t, c: constellation(t, c, ORION),
    "transit": transit,
    "deep_field": deep_field,
    "panorama": panorama,
    "lunar_terminator": lunar_terminator,
}


def _hum(seconds: float, seed: int) -> list[array[int]]:
    """A quiet ambient drone (a few detuned low sines), as 16-bit mono chunks."""
    rng = random.Random(seed)
    tones = [rng.uniform(55, 110) * k for k in (1.0, 1.5, 2.01)]
    total = int(seconds * SAMPLE_RATE)
    chunk = 1024
    out: list[array[int]] = []
    for start in range(0, total, chunk):
        samples = array("h")
        for n in range(start, min(total, start + chunk)):
            s = n / SAMPLE_RATE
            fade = min(1.0, s * 2, (seconds - s) * 2)
            v = sum(math.sin(2 * math.pi * f * s) for f in tones) / 3
            samples.append(int(2600 * fade * v * (0.8 + 0.2 * math.sin(s * 1.3))))
        out.append(samples)
    return out


def render_clip(
    path: Path,
    scene: str,
    *,
    seconds: float = 4.0,
    size: tuple[int, int] = SIZE,
    seed: int = 1,
    audio: bool = True,
) -> Path:
    """Draw `scene` for `seconds` and encode it to an MP4 at `path`."""
    draw = SCENES[scene]
    canvas = Canvas(size[0], size[1], seed)
    frames = max(1, round(seconds * FPS))
    with av.open(str(path), "w", format="mp4") as container:
        video = container.add_stream("libx264", rate=FPS)
        video.width, video.height = size
        video.pix_fmt = "yuv420p"
        # Big frames are the showcase clips: a faster preset keeps drawing them short
        # (the pipeline re-encodes them anyway).
        preset = "veryfast" if size[0] * size[1] <= 1280 * 720 else "superfast"
        video.options = {"preset": preset, "crf": "20"}
        sound = container.add_stream("aac", rate=SAMPLE_RATE) if audio else None
        if sound is not None:
            sound.layout = "mono"
        for i in range(frames):
            image = draw(i / frames, canvas)
            frame = av.VideoFrame.from_image(image)  # type: ignore[no-untyped-call]
            frame.pts = i
            frame.time_base = Fraction(1, FPS)
            for packet in video.encode(frame):
                container.mux(packet)
        for packet in video.encode():
            container.mux(packet)
        if sound is not None:
            pts = 0
            for chunk in _hum(frames / FPS, seed):
                aframe = av.AudioFrame(format="s16", layout="mono", samples=len(chunk))
                aframe.planes[0].update(chunk.tobytes())
                aframe.sample_rate = SAMPLE_RATE
                aframe.pts = pts
                aframe.time_base = Fraction(1, SAMPLE_RATE)
                pts += len(chunk)
                for packet in sound.encode(aframe):
                    container.mux(packet)
            for packet in sound.encode():
                container.mux(packet)
    return path


@dataclass(frozen=True)
class ClipJob:
    path: Path
    scene: str
    seconds: float
    seed: int


def _render_job(job: ClipJob) -> Path:
    return render_clip(job.path, job.scene, seconds=job.seconds, seed=job.seed)


def render_clips(jobs: list[ClipJob], workers: int = 1) -> list[Path]:
    """Render several clips, in `workers` processes when there is more than one.

    Drawing is pure-Python CPU work, so threads would not help. The workers are
    spawned (not forked): the caller may have threads running, and a fork
    copies their locks in whatever state they are in.
    """
    if workers <= 1 or len(jobs) <= 1:
        return [_render_job(job) for job in jobs]
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(min(workers, len(jobs)), mp_context=context) as pool:
        return list(pool.map(_render_job, jobs))


def main(argv: list[str]) -> None:
    """`python -m cosmostream.demo_media SCENE WxH SECONDS SEED PATH`: draw one clip.

    The showcase clips are drawn by the task worker in a process of their own, so
    the drawing never holds the interpreter lock of a process that serves pages.
    """
    scene, size, seconds, seed, path = argv
    width, height = (int(n) for n in size.split("x"))
    _exit_with_parent()
    render_clip(Path(path), scene, seconds=float(seconds), size=(width, height), seed=int(seed))


def _exit_with_parent() -> None:
    """Stop drawing when the worker that asked for the clip is gone: a stopped
    worker does not wait minutes for a clip nobody will store."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
