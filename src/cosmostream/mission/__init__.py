"""Missions, satellites and the ISS tracker: orbits from OMM elements, deep-space
distances from JPL Horizons tables, and live telemetry over Socket.IO."""
