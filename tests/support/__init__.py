"""Helpers shared by integration and scenario tests: the hand-built organisation, hand-written rows, fakes."""
