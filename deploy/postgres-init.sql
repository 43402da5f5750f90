-- Run once by the postgres image when its volume is empty (/docker-entrypoint-initdb.d):
-- one database per service, since each service owns its store. Tables, the row-level
-- security role (mentoring_app) and its policies are created by the services themselves
-- when they start (EventStore.create_schema, idempotent).
CREATE DATABASE registration;
CREATE DATABASE matching;
CREATE DATABASE sessions;
CREATE DATABASE notifications;
