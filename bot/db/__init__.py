"""Both databases' plumbing in one place, below every package that declares tables.

``stores`` says what differs between the statistics database and the review store; ``engine``
gives engines and transactions, ``migrate`` runs their Alembic revisions, ``types`` holds the
timestamp column type and ``sqlite`` the settings of every SQLite file.
"""
