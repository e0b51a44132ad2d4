"""kenal.temporal: segments over time — stable ids, migration, change points, drift and retraining."""
