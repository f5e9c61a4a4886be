"""Organizations: the collectives, NGOs, schools and companies that run mutirões, their members and followers."""
