"""Casework before the LAC session: clients, cases and their import, reminder plans and their
schedule, reachability, and the social worker's inbox of tasks."""
