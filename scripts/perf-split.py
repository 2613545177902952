#!/usr/bin/env python3
"""Splits a system-wide `perf record -a -g` profile into where the CPU went.

    perf script -i perf.data -F pid,comm,ip,sym > perf.txt
    python3 scripts/perf-split.py processes perf.txt                 # by process: idle, haproxy, each .NET process
    python3 scripts/perf-split.py categories perf.txt PID[,PID...]   # a .NET process's samples by what its stacks run

Run the .NET processes with DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0 so perf names JIT-compiled frames
(docs/scale.md, "Where the time goes"). Each sample goes to the first category its stack matches, in the order below.
"""
import collections
import sys

CATEGORIES = [
    ("JIT (tiered compilation)", lambda frames, comm: "Tiered Com" in comm or any("libclrjit" in f for f in frames)),
    ("GC", lambda frames, comm: "GC" in comm or any("gc_heap" in f or "GCHeap" in f for f in frames)),
    ("thread-pool spin (sched_yield)", lambda frames, comm: any("sched_yield" in f or "LowLevelSpinWaiter" in f for f in frames)),
    ("map file write (MapFile, fsync)", lambda frames, comm: any("HaProxy.Maps" in f for f in frames)),
    ("grain state write (serialize + Redis)", lambda frames, comm: any(k in f for f in frames for k in ("RedisGrainStorage", "StateStorageBridge", "GrainStorageSerializer"))),
    ("HAProxy Runtime API (client, socket I/O, parsing)", lambda frames, comm: any("HaProxy.Runtime" in f for f in frames)),
    ("agent stream (gRPC, Kestrel, TLS)", lambda frames, comm: any(k in f for f in frames for k in ("Grpc.", "Kestrel", "SslStream", "Http2"))),
    ("Orleans messaging (serialize, sockets)", lambda frames, comm: any(k in f for f in frames for k in ("Orleans.Runtime.Messaging", "MessageSerializer", "Orleans.Networking"))),
    ("BlueGreen code, other", lambda frames, comm: any("BlueGreen" in f for f in frames)),
    ("Orleans scheduler, other", lambda frames, comm: any("Orleans" in f for f in frames)),
    ("kernel and other (scheduling, syscalls without managed frames)", lambda frames, comm: True),
]


def samples(path):
    """(pid, comm, frames leaf first) per sample of `perf script -F pid,comm,ip,sym` output."""
    pid, comm, frames = None, "", []
    with open(path, errors="replace") as lines:
        for line in lines:
            if not line.strip():
                if pid is not None:
                    yield pid, comm, frames
                pid, comm, frames = None, "", []
            elif not line.startswith((" ", "\t")):
                parts = line.split()
                pid, comm, frames = parts[-1].rstrip(":"), " ".join(parts[:-1]), []
            else:
                frames.append(line.strip())
    if pid is not None:
        yield pid, comm, frames


def main(argv):
    if len(argv) < 3 or argv[1] not in ("processes", "categories") or (argv[1] == "categories" and len(argv) < 4):
        print(__doc__, file=sys.stderr)
        return 2

    counts = collections.Counter()
    if argv[1] == "processes":
        names = collections.defaultdict(collections.Counter)
        for pid, comm, _ in samples(argv[2]):
            counts[pid] += 1
            names[pid][comm] += 1
        groups, members = collections.Counter(), collections.Counter()
        for pid, n in counts.items():
            comms = names[pid]
            name = "idle" if pid == "0" else next((k for k in ("haproxy", "bluegreen-agent", "redis-server") if k in comms), None)
            name = name or f"pid {pid} ({comms.most_common(1)[0][0]})"
            groups[name] += n
            members[name] += 1
        total = sum(groups.values())
        print("| process | processes | share of all samples |\n|---|---:|---:|")
        for name, n in groups.most_common(15):
            print(f"| {name} | {members[name]} | {100 * n / total:.1f} % |")
        return 0

    pids = set(argv[3].split(","))
    for pid, comm, frames in samples(argv[2]):
        if pid in pids:
            counts[next(name for name, matches in CATEGORIES if matches(frames, comm))] += 1
    total = sum(counts.values())
    print(f"| what the stack runs ({total} samples) | share |\n|---|---:|")
    for name, _ in CATEGORIES:
        print(f"| {name} | {100 * counts[name] / total:.1f} % |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
