# SPDX-License-Identifier: BSD-3-Clause
"""A site of 10 phones (issue 15, tests/integration/fleet.py): each a real baresip and a
real hotdeskd, one kamailio, one reference PBX polling them all.

- Power cut: 5 phones with a person; every phone process SIGKILLed at once, all started
  together: every phone registers again as its identity (person or pool), each AOR bound
  by exactly the right phone, nobody on two phones, the PBX view = the registrar.
- Morning rush: people log in at once on random phones (fixed seed), then some roam to
  another phone and one person logs in on a phone someone else sits at: the same end state.
"""

import random
import shutil
import tempfile
import time
import unittest
from concurrent.futures import ThreadPoolExecutor

from fleet import Fleet
from harness import wait_until

PHONES = 10
SEED = 15


class FleetCase(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="hotdesk-fleet-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.f = Fleet(self.dir, PHONES, people=PHONES, pbx_poll=2)
        self.addCleanup(self.f.stop)
        t0 = time.monotonic()
        self.f.start()
        self.started_s = time.monotonic() - t0
        self.rng = random.Random(SEED)

    def tearDown(self):
        if self.f.reg is not None:
            self.assertEqual(self.f.leaked_secrets(), [], "secrets in a log (file, secret #)")

    def login_all(self, pairs):
        """Log in every (phone, ext) of `pairs` at once (one thread each)."""
        with ThreadPoolExecutor(max_workers=len(pairs)) as ex:
            for fut in [ex.submit(self.f.login, i, ext) for i, ext in pairs]:
                fut.result()

    def assert_end_state(self, expected, since=None):
        """Every phone registered as expected ({i: ext}; absent: its pool), each AOR bound
        by exactly one live contact, the right phone's, nobody on two phones, PBX view =
        registrar. After a power cut (`since`: the registrar's log mark before the phones
        started) a live binding is one registered since; the bindings of the phones'
        previous baresips stay until they expire (baresip's contacts differ per process,
        fleet.Fleet.fresh_contacts), and they too must point at the right phone."""
        f = self.f
        f.wait_identities(expected, since=since)
        live, every = f.contacts_by_aor(since), f.contacts_by_aor()
        for aor, want in [(p.ext, [i for i, ext in expected.items() if ext == p.ext])
                          for p in f.people] + \
                [(ph.ident.lower(), [] if expected.get(ph.i) else [ph.i]) for ph in f.phones]:
            self.assertLessEqual(len(want), 1, "test bug: %s expected twice" % aor)
            self.assertEqual(live.get(aor, []), want, "live bindings of %s" % aor)
            self.assertEqual(set(every.get(aor, [])), set(want), "bindings of %s" % aor)
        want = {ph.i: expected.get(ph.i) for ph in f.phones}
        self.assertEqual(f.registrar_people(since), want)
        # the PBX learns of resumes and moves by pushes and its polls (every 2 s)
        wait_until(lambda: f.pbx_people() == f.registrar_people(since), 10,
                   lambda: "PBX view %r = registrar %r" % (f.pbx_people(),
                                                           f.registrar_people(since)))


class PowerCutTest(FleetCase):
    def test_every_phone_comes_back_as_its_identity(self):
        f = self.f
        desks = self.rng.sample(range(PHONES), 5)
        expected = {i: f.people[k].ext for k, i in enumerate(desks)}
        self.login_all(sorted(expected.items()))
        self.assert_end_state(expected)

        f.kill_phones()
        t0 = time.monotonic()
        since = f.start_phones()
        self.assert_end_state(expected, since=since)
        print("\nfleet of %d: started in %.1f s; power cut -> all back in %.1f s"
              % (PHONES, self.started_s, time.monotonic() - t0))


class MorningRushTest(FleetCase):
    def test_rush_with_roaming(self):
        f = self.f
        desks = self.rng.sample(range(PHONES), 7)
        first = {i: f.people[k].ext for k, i in enumerate(desks)}
        self.login_all(sorted(first.items()))
        self.assert_end_state(first)

        # three people roam to idle phones (the PBX logs them out of the first phone
        # through its status endpoint); one more logs in where someone sits (roam out)
        free = [i for i in range(PHONES) if i not in first]
        roamers = self.rng.sample(sorted(first), 3)
        stayers = [i for i in sorted(first) if i not in roamers]
        taken = self.rng.choice(stayers)
        newcomer = f.people[7].ext
        moves = [(to, first[frm]) for frm, to in zip(roamers, free)] + [(taken, newcomer)]
        expected = dict(first)
        for frm in roamers:
            del expected[frm]
        expected.update(dict(moves))
        self.login_all(moves)
        self.assert_end_state(expected)


if __name__ == "__main__":
    unittest.main()
