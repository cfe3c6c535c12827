"""The numbers the two papers' texts keep (`NOTES.md`); None where the
extraction lost a cell ("not in the text")."""

IGDE_COLUMNS = ("psnr", "psnr_t", "psnr_f", "ssim_paper", "rmse")
DPDE_COLUMNS = ("rms", "rms_log", "rel", "log10", "delta1", "delta2", "delta3")
MIDDLEBURY_COLUMNS = ("rms", "log10", "rel", "ssim", "gsm", "mge")

IGDE_TABLES = {
    "Table 1 (Scene Flow test set)": {
        "input": (36.6835, None, 21.1025, 0.99999589, 0.0146703),
        "DE-CNN": (42.1632, 45.1183, 29.1516, 0.99999824, 0.0078065),
        "DRECNN": (45.9433, 49.6217, 32.3469, 0.99999935, 0.0050490),
        "DEN+CBPN": (37.1230, None, 21.1025, 0.99999581, 0.0139462),
        "IGDE": (48.1056, 52.9595, 33.7814, 0.99999962, 0.0039363),
    },
    "Table 2 (losses)": {
        "L1": (47.5933, 52.8712, 33.0588, 0.999999578, 0.004178),
        "L1 + depth focal": (47.8342, 53.5258, 33.1803, 0.999999602, 0.004060),
        "L1 + Sobel": (47.5974, 52.5389, 33.2153, 0.999999596, 0.004178),
        "L1 + depth focal + Sobel": (48.1057, 52.9595, 33.7814, 0.999999625, 0.003936),
    },
    "Table 3 (layers of colour features)": {
        "k = 0": (47.7598, 53.6426, 33.0325, 0.999999603, 0.0040952),
        "k = 1": (47.4954, 52.3334, 33.1743, 0.999999583, 0.0042278),
        "k = 2": (47.154, 51.9130, 32.8571, 0.999999537, 0.0043897),
        "k = 3": (48.1056, 52.9595, 33.7814, 0.999999625, 0.0039363),
    },
}

DPDE_TABLES = {
    "Table 1 (Make3D)": (
        DPDE_COLUMNS,
        {
            "DPDE": (None,) * 7,
        },
        "The text keeps only that the gradient stream improves log10 by 0.005 and Rel by 0.002.",
    ),
    "Table 2 (NYU Depth v2)": (
        DPDE_COLUMNS,
        {
            "FCRN, as Laina et al. 2016 report it": (0.573, None, 0.127, 0.055, 0.811, 0.953, 0.988),
            "DPDE": (0.562, None, None, None, None, None, None),
        },
        "The text says DPDE beats FCRN by about 1.9% RMS, 5.5% log10, 3% Rel, 3% / 1.2% / 0.3% "
        "delta1-3; its RMS 0.562 is Table 4's.",
    ),
    "Table 3 (Middlebury)": (
        MIDDLEBURY_COLUMNS,
        {
            "DPDE": (0.684, 0.068, 0.206, 0.942, 0.988, None),
        },
        "The sentence names MGE but gives no sixth number.",
    ),
    "Table 4 (ablation, NYU)": (
        ("rms",),
        {
            "modified FCRN": (0.569,),
            "DPDE": (0.562,),
        },
        "Rel improves by 0.002 with the gradients; the other cells are not in the text.",
    ),
}
