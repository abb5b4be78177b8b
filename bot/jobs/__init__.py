"""Scheduled work: APScheduler setup (schedule), job functions (tasks), the leader lease (leader).

Each job calls a service; job runs are recorded in bot/db/job_runs.py for /readyz.
"""
