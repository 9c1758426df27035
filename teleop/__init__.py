"""Remote operations: the console that puts operators behind the camera driver (handoff
policy, camera health, minimal-risk manoeuvre, operations centre, link, operator model)."""
