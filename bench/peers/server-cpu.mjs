// The CPU the database's server processes have used, for the cpu-w*.mjs splits of a workload into
// client and server time. Linux only: it reads /proc/<pid>/stat of each backend serving the database.
import { readFileSync } from "node:fs";

const TICK_MS = 10; // Linux USER_HZ = 100

/** utime + stime of a process, in ms. */
function cpuOf(pid) {
  const f = readFileSync(`/proc/${pid}/stat`, "utf8");
  const rest = f.slice(f.lastIndexOf(")") + 2).split(" ");
  return (Number(rest[11]) + Number(rest[12])) * TICK_MS;
}

/** CPU ms so far of every backend on `admin`'s database other than its own, by pid. */
export async function serverCpu(admin) {
  const pids = (await admin.query("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")).rows.map((r) => r.pid);
  const out = new Map();
  for (const pid of pids) {
    try {
      out.set(pid, cpuOf(pid));
    } catch {
      // ended meanwhile
    }
  }
  return out;
}
