"""A server that speaks CARLA 0.9.16's RPC and streaming protocols over the embedded
simulator, so the unmodified `carla` client can drive it (layouts: reference/carla.md)."""
