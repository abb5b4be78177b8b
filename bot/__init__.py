"""Buildboard: a Slack app that asks heavy AI users what the tokens built, and ranks the answer.

Dependencies point one way: commands, jobs, slack and demo call services; services use ingest,
llm and db; everything may use domain, which uses nothing of ours (see README, Development).
"""
