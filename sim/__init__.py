"""Patrol simulator: virtual vehicles, virtual potholes at known coordinates, and the ground truth.

It writes what a real vehicle would record (frames, a GPS log, plus the detector's boxes as a replay
side-car) so the real edge agent and the real API can be measured against known positions.
"""
