"""Scoring and results, below training: the scorers and protocols, the result tables, the run's
metrics.json and scoring finished runs. Nothing here imports `common.training`, so the commands
that train nothing (evaluate, score, write_split, omega_sweep, report, igde_middlebury, export)
never load the training loop."""
