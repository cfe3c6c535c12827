"""The training runner: strategy, optimizer, loop, checkpoints, evaluation and logging."""
