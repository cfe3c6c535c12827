"""Inference with exported models: the shared core of `igde-enhance` and `dpde-predict`."""
