"""Make a database fixture with the code of an earlier release (run from that release's checkout).

    cd <checkout of the release> && python <this file> <output.sql>

It imports that release's code (``services.matching.store``, ``Matcher``), not today's.
Writes the SQL (schema and data, pg_dump) of two databases the release's code made: a
registration store (the stand-in of the matching tests: events of one tenant, a programme,
mentors and mentees) and the matching store that consumed them and paired people (read
models, pairings, guard streams, cursors, inbox). tests/test_migrations.py upgrades them with
today's code and checks that nothing is lost.
"""
import os
import subprocess
import sys
import warnings

warnings.filterwarnings("ignore")
sys.path.insert(0, os.getcwd())

import eventlet  # noqa: E402

eventlet.monkey_patch()

from services.matching import store as rm  # type: ignore[attr-defined]  # noqa: E402 - an earlier release's module
from services.matching.matcher import Matcher  # type: ignore[import-not-found]  # noqa: E402 - likewise
from services.matching.tests.conftest import MATCHING_NOW, Registration, programme_settings  # noqa: E402
from services.platform_core import tenancy  # noqa: E402
from services.platform_core.clock import ManualClock  # noqa: E402
from services.platform_core.db import make_engine  # noqa: E402
from services.platform_core.store import EventStore  # noqa: E402
from services.platform_core.testing import temporary_database  # noqa: E402


def main(output: str) -> None:
    with temporary_database() as registration_url, temporary_database() as matching_url:
        producer = EventStore(make_engine(registration_url), service="registration")
        producer.create_schema()
        reg = Registration(producer, amqp_uri="unused", slug="old-release")
        programme = reg.programme(programme_settings("automatic"))
        mentors = [reg.mentor(programme) for _ in range(3)]
        mentees = [reg.mentee(programme) for _ in range(5)]
        matching = EventStore(make_engine(matching_url), service="matching", clock=ManualClock(MATCHING_NOW))
        matching.create_schema([rm.metadata, tenancy.metadata])
        with matching.transaction(reg.slug) as tx:
            consume = getattr(rm, "consume_registration", None) or rm.PARTICIPANTS.apply  # older releases
            for envelope in reg.envelopes:
                consume(tx.conn, envelope)
        for mentee in mentees:
            with matching.transaction(reg.slug) as tx:
                Matcher(tx).place(programme.id, mentee)
        del mentors
        producer.engine.dispose()
        matching.engine.dispose()
        parts = []
        for name, url in (("registration", registration_url), ("matching", matching_url)):
            database = url.rsplit("/", 1)[1]
            dump = subprocess.run(["pg_dump", "-h", "127.0.0.1", "-U", "postgres", "--no-owner",
                                   "--no-privileges", "--no-comments", database],
                                  capture_output=True, text=True, check=True).stdout
            lines = [line for line in dump.splitlines() if not line.startswith(("\\restrict", "\\unrestrict"))]
            parts.append(f"-- database: {name}\n" + "\n".join(lines) + "\n")
        with open(output, "w", encoding="utf-8") as out:
            out.write("\n".join(parts))


if __name__ == "__main__":
    main(sys.argv[1])
