"""Per-km failure rates, nines and their bounds. Empty until the estimator is built (issue 4)."""
