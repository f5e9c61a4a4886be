"""Open impact data: the events that took place and their reported figures, without personal data, under CC BY 4.0."""
