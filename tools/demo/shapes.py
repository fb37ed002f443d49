"""Procedural images for the prunekit demo: filled circles, squares and triangles on textured backgrounds.

Dev-only (Debian python3 + numpy + Pillow). Every image is a pure function of its seed.
"""
import math

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

NAMES = {0: 'circle', 1: 'square', 2: 'triangle'}


def _background(rng, w, h):
    """A two-colour linear gradient with a few soft blobs and thin clutter lines (uint8 HxWx3)."""
    c0 = rng.integers(0, 256, 3).astype(np.float32)
    c1 = rng.integers(0, 256, 3).astype(np.float32)
    ang = rng.uniform(0, 2 * math.pi)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    t = (xx * math.cos(ang) + yy * math.sin(ang))
    t = (t - t.min()) / max(1e-6, float(t.max() - t.min()))
    img = c0[None, None, :] * (1 - t[..., None]) + c1[None, None, :] * t[..., None]
    pil = Image.fromarray(img.clip(0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(pil)
    for _ in range(int(rng.integers(0, 4))):  # clutter: thin lines, not objects
        pts = [tuple(int(v) for v in rng.integers(0, [w, h])) for _ in range(2)]
        draw.line(pts, fill=tuple(int(v) for v in rng.integers(0, 256, 3)), width=int(rng.integers(1, 3)))
    return pil


def _contrasting_colour(rng, bg_mean):
    for _ in range(20):
        c = rng.integers(0, 256, 3)
        if np.abs(c - bg_mean).sum() > 120:
            return tuple(int(v) for v in c)
    return tuple(int(255 - v) for v in bg_mean)


def _polygon(cls, cx, cy, r, rot):
    if cls == 1:  # square, small rotation only (corners stay visible)
        angles = [rot + math.pi / 4 + k * math.pi / 2 for k in range(4)]
        rr = r * math.sqrt(2)
    else:  # triangle, any rotation
        angles = [rot + k * 2 * math.pi / 3 for k in range(3)]
        rr = r * 1.15
    return [(cx + rr * math.cos(a), cy + rr * math.sin(a)) for a in angles]


def _iou(a, b):
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    ua = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / ua if ua > 0 else 0.0


def draw_image(seed, size_range=(128, 224), noise=None):
    """Draw one image. Returns (PIL RGB image, labels) with labels as [(cls, x1, y1, x2, y2)] in pixels.

    size_range: width and height drawn independently from [lo, hi]; noise: Gaussian sigma (None: random in [0, 6]).
    1-6 objects, later ones drawn on top; a placement overlapping an earlier box by IoU > 0.35 is rejected,
    so partial occlusion happens but no object is mostly hidden.
    """
    rng = np.random.default_rng(seed)
    w, h = int(rng.integers(size_range[0], size_range[1] + 1)), int(rng.integers(size_range[0], size_range[1] + 1))
    img = _background(rng, w, h)
    bg_mean = np.asarray(img).reshape(-1, 3).mean(0)
    draw = ImageDraw.Draw(img)
    boxes = []
    n = int(rng.integers(1, 7))
    tries = 0
    while len(boxes) < n and tries < 60:
        tries += 1
        cls = int(rng.integers(0, 3))
        r = float(rng.uniform(6, min(w, h) * 0.22))
        cx, cy = float(rng.uniform(r, w - r)), float(rng.uniform(r, h - r))
        if cls == 0:
            box = (cx - r, cy - r, cx + r, cy + r)
            poly = None
        else:
            rot = float(rng.uniform(-0.25, 0.25)) if cls == 1 else float(rng.uniform(0, 2 * math.pi))
            poly = _polygon(cls, cx, cy, r, rot)
            xs, ys = [p[0] for p in poly], [p[1] for p in poly]
            box = (min(xs), min(ys), max(xs), max(ys))
        box = (max(0.0, box[0]), max(0.0, box[1]), min(float(w), box[2]), min(float(h), box[3]))
        if any(_iou(box, b[1:]) > 0.35 for b in boxes):
            continue
        colour = _contrasting_colour(rng, bg_mean)
        if poly is None:
            draw.ellipse(box, fill=colour)
        else:
            draw.polygon(poly, fill=colour)
        boxes.append((cls, *box))
    sigma = float(rng.uniform(0, 6)) if noise is None else noise
    arr = np.asarray(img.filter(ImageFilter.GaussianBlur(0.6))).astype(np.float32)
    if sigma > 0:
        arr = arr + rng.normal(0, sigma, arr.shape).astype(np.float32)
    return Image.fromarray(arr.clip(0, 255).round().astype(np.uint8)), boxes


def letterbox(img, imgsz):
    """Ultralytics-style square letterbox: scale to fit, centre, pad with 114. Returns (array HxWx3, gain, pad)."""
    w, h = img.size
    gain = min(imgsz / w, imgsz / h)
    nw, nh = int(round(w * gain)), int(round(h * gain))
    resized = img.resize((nw, nh), Image.BILINEAR) if (nw, nh) != (w, h) else img
    out = np.full((imgsz, imgsz, 3), 114, np.uint8)
    px, py = (imgsz - nw) // 2, (imgsz - nh) // 2
    out[py:py + nh, px:px + nw] = np.asarray(resized)
    return out, gain, (px, py)
