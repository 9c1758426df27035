"""Scenarios: episode specs for the simulator. For now, background traffic with a few
scripted encounters; edge-case families, samplers and suites come next."""
