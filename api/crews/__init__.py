"""The crews' queue and their day's route."""
