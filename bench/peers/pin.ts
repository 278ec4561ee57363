// `run.ts --pin`: the client on CPU 0, the PostgreSQL server (its postmaster and every backend,
// present and future: a backend inherits the postmaster's affinity when forked) on the other CPUs.
// On a small machine an unpinned run lets the scheduler put a contender's backend on the client's
// core for one pass and on the other core for the next, which moves a short call's latency by a
// quarter between passes; pinned, every contender gets the same placement. The server's previous
// affinity is restored on exit. Linux only (taskset), with the right to change the server's
// processes (the server running on this machine as root or as the same user).
import { execFileSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import os from "node:os";
import pg from "pg";

const ppidOf = (pid: number): number => {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
};

/** The postmaster serving `url` and its children, by pid. */
async function serverPids(url: string): Promise<number[]> {
  const admin = new URL(url);
  admin.pathname = "/postgres"; // the benchmark's database may not exist yet
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  const backend = (await client.query("SELECT pg_backend_pid() AS pid")).rows[0].pid as number;
  const postmaster = ppidOf(backend); // while the backend is still there
  await client.end();
  const children = readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d))
    .map(Number)
    .filter((pid) => {
      try {
        return ppidOf(pid) === postmaster;
      } catch {
        return false; // ended meanwhile
      }
    });
  return [postmaster, ...children];
}

const affinity = (pid: number): string => execFileSync("taskset", ["-p", "-c", String(pid)], { encoding: "utf8" }).trim().split(": ").pop()!;
const setAffinity = (pid: number, cpus: string): void => {
  try {
    execFileSync("taskset", ["-a", "-p", "-c", cpus, String(pid)], { stdio: "ignore" });
  } catch {
    // ended meanwhile
  }
};

export interface Pinning {
  /** The CPU list for the client (taskset -c). */
  readonly client: string;
  /** Puts the server back on the CPUs it had. */
  restore(): Promise<void>;
}

export async function pinServer(url: string): Promise<Pinning> {
  const n = os.cpus().length;
  if (n < 2) throw new Error("--pin needs at least two CPUs");
  const pids = await serverPids(url);
  const before = affinity(pids[0]);
  const server = n === 2 ? "1" : `1-${n - 1}`;
  for (const pid of pids) setAffinity(pid, server);
  console.log(`--pin: client on CPU 0, PostgreSQL (postmaster ${pids[0]} and ${pids.length - 1} children) on CPU ${server}; was ${before}`);
  return {
    client: "0",
    async restore() {
      // Backends forked during the run inherited the pinned mask: restore every child, not only the first ones.
      for (const pid of await serverPids(url)) setAffinity(pid, before);
      console.log(`--pin: PostgreSQL back on CPU ${before}`);
    },
  };
}
