"""The harness: the CLI, the closed loop that drives a driver through episodes, reports."""
