"""Residents' data rights: the privacy notice (privacy.py), the cookie page
(cookie_policy.py), "Your data" with its downloads (my_data.py) and asking us to correct or
delete information (data_request.py)."""
