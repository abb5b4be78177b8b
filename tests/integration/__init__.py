"""Services, the CLI, jobs, migrations, the demo and real processes on a real database (and local servers)."""
