"""Appearance re-identification: an embedding per person track, association across cameras."""
