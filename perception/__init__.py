"""The camera stack's perception: network, ensemble uncertainty, labels and checkpoints."""
