"""Paying by card: ``pay`` (choose the amount, check it, go to the card page) and
``result`` (the receipt, or what went wrong and how to try again)."""

OFFLINE = "You are offline. Paying needs a connection: connect and try again. Nothing has been paid."
