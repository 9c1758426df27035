"""Camera networks and their uncertainty. Empty until the camera stack is built (issue 5)."""
