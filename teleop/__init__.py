"""Remote operations: handoff policy, operators, link, queue. Empty until issue 6."""
