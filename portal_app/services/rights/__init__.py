"""Residents' data rights: what the portal holds about a resident, in one download
(``my_data``), and what the privacy notice and the cookie page say (``notices``).
No reflex import."""
