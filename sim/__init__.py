"""Worlds: maps, actors, dynamics, events and camera rendering; the embedded batched simulator."""
