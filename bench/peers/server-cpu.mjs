// The CPU the database's server processes have used, for the cpu-w*.mjs splits of a workload into
// client and server time. Linux only: it reads /proc/<pid>/schedstat of each backend serving the
// database (time on the CPU in ns; /proc/<pid>/stat counts it in 10 ms ticks, too coarse to tell
// two contenders a few per cent apart).
import { readFileSync } from "node:fs";

/** Time a process has spent on the CPU, in ms. */
function cpuOf(pid) {
  const f = readFileSync(`/proc/${pid}/schedstat`, "utf8");
  return Number(f.slice(0, f.indexOf(" "))) / 1e6;
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
