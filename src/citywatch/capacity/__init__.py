"""Capacity planning: per-stage costs measured on a machine, and what N cameras need."""
