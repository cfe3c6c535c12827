"""Code both papers share: configuration, data, losses, metrics, training, export."""
