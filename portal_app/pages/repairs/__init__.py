"""Repairs, for residents: ``new`` (report one: emergencies first, then where, what, the
details and photos, a time, check and send), ``mine`` ("My repairs") and ``detail`` (one
repair: its history, appointment, deadlines and "Is it fixed?")."""

OFFLINE = "You are offline. Repairs need a connection: connect and try again. For an emergency, phone us."
