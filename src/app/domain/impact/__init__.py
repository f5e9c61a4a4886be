"""Impact: what mutirões achieved — organizers' reports, volunteers' verified statistics, badges, monthly reports."""
