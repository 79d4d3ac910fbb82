"""Evaluation against ground truth (tracking: MOTChallenge files, TrackEval metrics)."""
