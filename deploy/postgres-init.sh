#!/bin/sh
# Run once by the postgres image when its volume is empty (/docker-entrypoint-initdb.d).
#
# One database per service, since each service owns its store, all owned by "mentoring": the
# ordinary role the services log in as (not a superuser, no BYPASSRLS). Inside every
# transaction a service acts as mentoring_app, the role the row-level security policies name;
# SQL that reset the role would be left as the tables' owner, to whom the forced policies show
# nothing. Tables and policies are created by the services when they start
# (EventStore.create_schema, idempotent).
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres <<SQL
CREATE ROLE mentoring_app NOLOGIN;
CREATE ROLE mentoring LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEROLE NOCREATEDB
    PASSWORD '${MENTORING_DB_PASSWORD:-mentoring}';
GRANT mentoring_app TO mentoring;
CREATE DATABASE registration OWNER mentoring;
CREATE DATABASE matching OWNER mentoring;
CREATE DATABASE sessions OWNER mentoring;
CREATE DATABASE notifications OWNER mentoring;
SQL
