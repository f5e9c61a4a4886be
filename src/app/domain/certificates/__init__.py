"""Volunteer-hour certificates: issued per attended event or per calendar year, verifiable by a signed code."""
