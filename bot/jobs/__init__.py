"""Scheduled work: APScheduler setup (schedule), job functions (tasks), the leader lease (leader), job_runs (runs)."""
