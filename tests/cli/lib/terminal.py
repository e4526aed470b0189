"""Runs a command on a pseudo-terminal (its stdin, stdout and stderr) and plays a dialogue with it.

Usage: terminal.py [--wait TEXT --send LINE]... -- CMD...
Each --wait waits (up to 20 s) until the output so far contains TEXT; the --send that follows
types LINE and Enter. --send-first LINE types a line before anything is waited for (type-ahead).
Prints everything the command wrote (\\r removed), then "[exit N]".
"""
import os
import pty
import select
import sys
import time

args = sys.argv[1:]
split = args.index("--")
steps, cmd = args[:split], args[split + 1:]
pid, fd = pty.fork()
if pid == 0:
    os.execvp(cmd[0], cmd)
out = b""
def pump(deadline):
    global out
    while True:
        left = deadline - time.time()
        if left <= 0:
            return False
        r, _, _ = select.select([fd], [], [], min(left, 0.05))
        if r:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                return True
            if not chunk:
                return True
            out += chunk
        else:
            return False
i = 0
while i < len(steps):
    what, value = steps[i], steps[i + 1]
    i += 2
    if what == "--send-first":
        os.write(fd, value.encode() + b"\r")
    elif what == "--wait":
        deadline = time.time() + 20
        while value.encode() not in out and time.time() < deadline:
            if pump(time.time() + 0.05):
                break
        if value.encode() not in out:
            sys.stdout.write(out.decode(errors="replace").replace("\r", ""))
            sys.stdout.write("\n[timed out waiting for %r]\n" % value)
            os.kill(pid, 9)
            sys.exit(1)
    elif what == "--send":
        os.write(fd, value.encode() + b"\r")
    elif what == "--run":
        os.system(value)
while not pump(time.time() + 20):
    pass
_, status = os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors="replace").replace("\r", ""))
print("[exit %d]" % os.waitstatus_to_exitcode(status))
