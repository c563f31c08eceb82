"""Run a command, print JSON with its wall time and peak RSS (children included)."""

import json
import resource
import subprocess
import sys
import time

start = time.perf_counter()
rc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
wall = time.perf_counter() - start
peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"rc": rc, "wall_s": wall, "peak_rss_mb": peak_kib / 1024}))
