"""The database: connection, migrations, datasets and their outcome matrix."""
