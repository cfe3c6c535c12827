"""Procedural RGB-D scenes: the data set that needs no download.

Each scene is a pinhole view of a textured ground plane meeting a back wall (and sometimes a side
wall), with several textured, shaded objects at different depths occluding each other through a
z-buffer. Object outlines are colour edges that coincide with depth edges; the checkerboard of the
ground, stripes and checks on objects and the wall are colour edges without depth edges, so a
network must learn which colour edges to trust. Scenes are deterministic per seed.

Example:
    scene = generate_scene(seed=0, height=128, width=160)
    scene["image"].shape, scene["depth"].shape  # (128, 160, 3) uint8, (128, 160) float32 metres
"""

import numpy as np
from scipy import ndimage

CAMERA_HEIGHT = 1.5  # metres above the ground plane
MIN_OBJECTS, MAX_OBJECTS = 3, 7
SENSOR_NOISE = 2.0  # standard deviation, in 0..255 grey levels
EIGHT_BIT_LEVELS = 255  # IGDE's depth maps are 8-bit: values k / 255


def generate_scene(seed, height, width, objects=(MIN_OBJECTS, MAX_OBJECTS)):
    """One scene.

    Args:
        seed: any integer or tuple of integers; the same seed gives the same scene.
        height, width: image size in pixels.
        objects: (fewest, most) objects in front of the walls.
    Returns:
        {"image": [H, W, 3] uint8 RGB, "depth": [H, W] float32 metric depth (> 0)}.
    """
    rng = np.random.default_rng(seed)
    focal = width * rng.uniform(0.8, 1.2)
    rows, cols = np.mgrid[0:height, 0:width].astype(np.float64)
    horizon = height * rng.uniform(0.25, 0.5)
    wall_depth = rng.uniform(8.0, 14.0)

    depth = np.full((height, width), wall_depth)
    below = rows > horizon + 1e-6
    ground = np.where(below, focal * CAMERA_HEIGHT / np.maximum(rows - horizon, 1e-6), np.inf)
    depth = np.minimum(depth, ground)
    image = _wall_texture(rng, rows, cols)
    on_ground = ground < wall_depth
    ground_depth = np.where(on_ground, ground, wall_depth)
    lateral = (cols - width / 2) * ground_depth / focal
    image[on_ground] = _checker(rng, lateral, ground_depth, cell=rng.uniform(0.5, 1.5))[on_ground]

    if rng.random() < 0.5:
        side = rng.choice([-1.0, 1.0])
        offset = rng.uniform(2.0, 4.0)
        along = side * (cols - width / 2)
        side_depth = np.where(along > 1e-6, focal * offset / np.maximum(along, 1e-6), np.inf)
        nearer = side_depth < depth
        depth = np.where(nearer, side_depth, depth)
        image[nearer] = _random_colour(rng) * _stripes(rng, rows, cols)[nearer, None]

    for object_depth in sorted(rng.uniform(1.5, wall_depth - 1.0, rng.integers(objects[0], objects[1] + 1)))[::-1]:
        mask, slant = _object_shape(rng, rows, cols, height, width)
        surface = object_depth + slant
        visible = mask & (surface < depth)
        depth = np.where(visible, surface, depth)
        image[visible] = _object_texture(rng, rows, cols)[visible]

    shading = 0.75 + 0.35 * (cols / width * rng.uniform(-1, 1) + rows / height * rng.uniform(-1, 1) + 1) / 2
    image = image * shading[..., None]
    image = ndimage.gaussian_filter(image, sigma=(0.6, 0.6, 0))
    image += rng.normal(0.0, SENSOR_NOISE, image.shape)
    return {"image": np.clip(np.round(image), 0, 255).astype(np.uint8), "depth": depth.astype(np.float32)}


def normalized_disparity(depth):
    """IGDE's 8-bit depth convention on [0, 1] of a metric depth map (`eight_bit_disparity` of 1/Z)."""
    return eight_bit_disparity(1.0 / depth)


def eight_bit_disparity(disparity):
    """IGDE's 8-bit depth convention on [0, 1]: round(255 * d / max d) / 255 of a disparity map,
    near = bright (reconstruction of the 3D-video convention, NOTES.md; Scene Flow uses it too)."""
    return (np.round(EIGHT_BIT_LEVELS * disparity / disparity.max()) / EIGHT_BIT_LEVELS).astype(np.float32)


def _random_colour(rng):
    return rng.uniform(30, 230, 3)


def _wall_texture(rng, rows, cols):
    base = _random_colour(rng)
    pattern = 1.0 + 0.15 * rng.standard_normal() * np.sin(cols / rng.uniform(3, 12))
    return base * pattern[..., None] * np.ones(3)


def _checker(rng, u, v, cell):
    first, second = _random_colour(rng), _random_colour(rng)
    parity = (np.floor(u / cell) + np.floor(v / cell)) % 2
    return np.where(parity[..., None] > 0, first, second)


def _stripes(rng, rows, cols):
    angle = rng.uniform(0, np.pi)
    period = rng.uniform(4, 16)
    phase = (np.cos(angle) * cols + np.sin(angle) * rows) / period
    return 0.8 + 0.4 * (np.floor(phase) % 2)


def _object_texture(rng, rows, cols):
    """Solid, striped, checked or noisy colour: texture edges that are not depth edges."""
    colour = _random_colour(rng)
    kind = rng.integers(4)
    if kind == 0:
        return colour * np.ones(rows.shape + (3,))
    if kind == 1:
        return colour * _stripes(rng, rows, cols)[..., None]
    if kind == 2:
        return _checker(rng, cols, rows, cell=rng.uniform(3, 10))
    noise = ndimage.gaussian_filter(rng.standard_normal(rows.shape), 1.5)
    return colour * (1.0 + 0.6 * noise[..., None])


def _object_shape(rng, rows, cols, height, width):
    """A rectangle, ellipse or triangle, with a small depth slant across it (metres)."""
    cy, cx = rng.uniform(0.1, 0.9) * height, rng.uniform(0.1, 0.9) * width
    hy, hx = rng.uniform(0.08, 0.3) * height, rng.uniform(0.08, 0.3) * width
    kind = rng.integers(3)
    if kind == 0:
        mask = (np.abs(rows - cy) <= hy) & (np.abs(cols - cx) <= hx)
    elif kind == 1:
        mask = ((rows - cy) / hy) ** 2 + ((cols - cx) / hx) ** 2 <= 1.0
    else:
        corners = np.stack([rng.uniform(cy - hy, cy + hy, 3), rng.uniform(cx - hx, cx + hx, 3)], 1)
        mask = _inside_triangle(rows, cols, corners)
    slant = 0.3 * rng.uniform(-1, 1) * (cols - cx) / width + 0.3 * rng.uniform(-1, 1) * (rows - cy) / height
    return mask, slant


def _inside_triangle(rows, cols, corners):
    signs = []
    for i in range(3):
        (y0, x0), (y1, x1) = corners[i], corners[(i + 1) % 3]
        signs.append((x1 - x0) * (rows - y0) - (y1 - y0) * (cols - x0) >= 0)
    return (signs[0] == signs[1]) & (signs[1] == signs[2])
