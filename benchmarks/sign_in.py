"""What signing in costs: scrypt at OWASP's cost, and a command line call with a password.

    python benchmarks/sign_in.py

Prints the time and peak memory of one hash at N=2**17, r=8, p=1 (what every sign-in of a
user with a password computes, once), the same at the old N=2**14 for comparison, and the
wall time of `crmdesk list users` on a fresh base as a user with a password and without.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def hash_time(n: int, rounds: int = 5) -> float:
    import hashlib

    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        hashlib.scrypt(b"password", salt=os.urandom(16), n=n, r=8, p=1, dklen=32,
                       maxmem=128 * n * 8 + 2**24)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def cli_time(db: Path, env: dict, rounds: int = 3) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "crmdesk", "--db", str(db), "--user",
                               "admin", "list", "users"], env=env, capture_output=True)
        assert proc.returncode == 0, proc.stderr
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    print(f"scrypt N=2**17 r=8 p=1: {hash_time(2**17) * 1000:.0f} ms per sign-in")
    print(f"scrypt N=2**14 r=8 p=1 (before): {hash_time(2**14) * 1000:.0f} ms")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory of this process after hashing: {peak:.0f} MiB")
    env = {k: v for k, v in os.environ.items() if k not in ("CRMDESK_TEST_SCRYPT_N",
                                                             "CRMDESK_PASSWORD")}
    with tempfile.TemporaryDirectory() as tmp:
        open_db, locked_db = Path(tmp) / "open.sqlite", Path(tmp) / "locked.sqlite"
        subprocess.run([sys.executable, "-m", "crmdesk", "--db", str(open_db), "db",
                        "upgrade"], env=env, capture_output=True, check=True)
        subprocess.run([sys.executable, "-m", "crmdesk", "--db", str(locked_db), "db",
                        "upgrade"], env={**env, "CRMDESK_PASSWORD": "bench-1"},
                       capture_output=True, check=True)
        without = cli_time(open_db, env)
        with_password = cli_time(locked_db, {**env, "CRMDESK_PASSWORD": "bench-1"})
    print(f"crmdesk list users, no password: {without:.2f} s")
    print(f"crmdesk list users, with a password: {with_password:.2f} s "
          f"(+{(with_password - without) * 1000:.0f} ms)")


if __name__ == "__main__":
    main()
