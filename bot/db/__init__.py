"""The database: SQLAlchemy models, engine and sessions, upserts, rollups and the queries several
services share (who may be named in public, job runs, leases). Imports only bot.domain.
"""
