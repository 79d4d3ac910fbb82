"""Watchlists: enrolment of people of interest and live matching of tracked faces against them."""
