"""Your tenancy, for residents: ``details`` (what the tenancy is, who is on it, the home, the
rent and charges now, what we must do, and your officers)."""

OFFLINE = "You are offline. Connect to the internet to see your tenancy."
