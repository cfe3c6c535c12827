"""Image operations both papers use, as batched TF ops on NHWC float32 tensors.

Forward differences (zero flux at the border) are DPDE's depth gradients: the gradient network's
targets and the operators of the IRLS fusion.

`depth_edge_mask` is the IGDE depth edge mask M_sobel of eq. 9 (Sect. 3.5, Fig. 8): Sobel edges of
the input depth map, dilated, then thresholded with Otsu's method.
"""

import tensorflow as tf


def sobel_magnitude(images):
    """Sobel gradient magnitude per channel.

    Args:
        images: [B, H, W, C] float32.
    Returns:
        [B, H, W, C] float32, sqrt(gx^2 + gy^2) with 3x3 Sobel kernels (borders mirrored as in
        `tf.image.sobel_edges`).
    """
    edges = tf.image.sobel_edges(tf.convert_to_tensor(images, tf.float32))
    return tf.sqrt(tf.reduce_sum(tf.square(edges), axis=-1))


def grey_dilation(images, size=3, iterations=1):
    """Grey-level dilation (local maximum) with a flat `size` x `size` square, `iterations` times.

    Args:
        images: [B, H, W, C] float32.
    Returns:
        [B, H, W, C] float32; the window is clipped at the border.

    With a flat structuring element the dilation is a stride-1 max pool (whose SAME padding never
    wins the maximum); unlike `tf.nn.dilation2d`, max pooling also compiles with XLA.
    """
    images = tf.convert_to_tensor(images, tf.float32)
    for _ in range(iterations):
        images = tf.nn.max_pool2d(images, size, strides=1, padding="SAME")
    return images


def otsu_threshold(images, bins=256):
    """Otsu's threshold of each image, with the histogram convention of scikit-image.

    `bins` equal bins over [min, max] of the image; the threshold is the centre of the bin that
    maximises the between-class variance (as `skimage.filters.threshold_otsu`). A constant image
    returns its value.

    Args:
        images: [B, H, W, 1] float32.
    Returns:
        [B] float32 thresholds.
    """
    images = tf.convert_to_tensor(images, tf.float32)
    batch = tf.shape(images)[0]
    values = tf.reshape(images, [batch, -1])
    low = tf.reduce_min(values, axis=1, keepdims=True)
    high = tf.reduce_max(values, axis=1, keepdims=True)
    span = high - low
    safe_span = tf.where(span > 0, span, tf.ones_like(span))
    index = tf.cast(tf.floor((values - low) / safe_span * bins), tf.int32)
    index = tf.clip_by_value(index, 0, bins - 1)
    segments = index + bins * tf.range(batch)[:, None]
    hist = tf.math.unsorted_segment_sum(tf.ones_like(values), segments, batch * bins)
    hist = tf.reshape(hist, [batch, bins])
    centres = low + (tf.range(bins, dtype=values.dtype)[None, :] + 0.5) * span / bins
    weight_low = tf.cumsum(hist, axis=1)
    weight_high = tf.cumsum(hist, axis=1, reverse=True)
    mass = hist * centres
    mean_low = tf.math.divide_no_nan(tf.cumsum(mass, axis=1), weight_low)
    mean_high = tf.math.divide_no_nan(tf.cumsum(mass, axis=1, reverse=True), weight_high)
    variance = weight_low[:, :-1] * weight_high[:, 1:] * tf.square(mean_low[:, :-1] - mean_high[:, 1:])
    best = tf.argmax(variance, axis=1, output_type=tf.int32)
    threshold = tf.gather(centres, best, batch_dims=1)
    return tf.where(span[:, 0] > 0, threshold, low[:, 0])


def depth_edge_mask(depth, dilation_size=3, dilation_iterations=1):
    """M_sobel of IGDE eq. 9: Sobel magnitude -> dilation -> Otsu threshold -> {0, 1}.

    The dilation's 3x3 square and single iteration are a reconstruction (NOTES.md); both are
    settings of the Sobel term (`loss.args.sobel.dilation_size`, `loss.args.sobel.dilation_iterations`).

    Args:
        depth: [B, H, W, 1] float32 input depth.
    Returns:
        [B, H, W, 1] float32 mask, 1 where the dilated edge magnitude exceeds the image's Otsu
        threshold.
    """
    edges = grey_dilation(sobel_magnitude(depth), dilation_size, dilation_iterations)
    threshold = otsu_threshold(edges)
    return tf.cast(edges > threshold[:, None, None, None], tf.float32)


def forward_difference_x(d):
    """(Dx d)[.., i, j] = d[.., i, j + 1] - d[.., i, j]; 0 in the last column. d: [B, H, W, C]."""
    return tf.pad(d[:, :, 1:] - d[:, :, :-1], [[0, 0], [0, 0], [0, 1], [0, 0]])


def forward_difference_y(d):
    """(Dy d)[.., i, j] = d[.., i + 1, j] - d[.., i, j]; 0 in the last row. d: [B, H, W, C]."""
    return tf.pad(d[:, 1:] - d[:, :-1], [[0, 0], [0, 1], [0, 0], [0, 0]])
