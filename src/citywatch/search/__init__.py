"""Retrospective search: where has this person been? (by face photo now; by appearance later)."""
