"""Accountability: the hash-chained audit log (`audit`) and the cases searches are made in
(`cases`). The storage is in `citywatch.store`; the rules (what a chain must satisfy, who may
work in which case) are here, shared by the API and the command line."""
