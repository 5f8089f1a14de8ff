// CPU time per process, read from /proc, so a figure says what each record costs in CPU whatever else the shared
// machine was doing (records/s mixes the worker with PostgreSQL, Redis and the fake provider on the same cores).
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

const TICKS_PER_SECOND = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

interface Stat {
  ppid: number;
  /** utime + stime + cutime + cstime (its own and its reaped children's), in ms. */
  cpuMs: number;
}

/** A /proc …/stat line: the command name (which may hold spaces) and the fields after it (state first, ppid, …). */
function parseStat(text: string): { name: string; fields: string[] } {
  return { name: text.slice(text.indexOf('(') + 1, text.lastIndexOf(')')), fields: text.slice(text.lastIndexOf(')') + 2).split(' ') };
}

/** utime 14 … cstime 17 of stat (with children: what it reaped too), in ms. */
const ticksMs = (fields: string[], withChildren: boolean) => ((withChildren ? [11, 12, 13, 14] : [11, 12]).reduce((sum, i) => sum + Number(fields[i]), 0) * 1000) / TICKS_PER_SECOND;

function readStat(pid: number): Stat | undefined {
  try {
    const { fields } = parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    return { ppid: Number(fields[1]), cpuMs: ticksMs(fields, true) };
  } catch {
    return undefined; // gone
  }
}

const pids = () => readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number);

/** CPU ms of `pid`, and with `tree` of every live descendant too (PostgreSQL's backends are its children). */
export function cpuMs(pid: number, tree = false): number {
  if (!tree) return readStat(pid)?.cpuMs ?? 0;
  const stats = new Map(pids().flatMap((p) => {
    const s = readStat(p);
    return s ? [[p, s] as const] : [];
  }));
  const inTree = (p: number): boolean => {
    for (let at: number | undefined = p, hops = 0; at && hops < 64; at = stats.get(at)?.ppid, hops++) if (at === pid) return true;
    return false;
  };
  let total = 0;
  for (const [p, s] of stats) if (inTree(p)) total += s.cpuMs;
  return total;
}

/**
 * CPU ms of each thread of `pid` by thread name (/proc/<pid>/task/<tid>: `comm`, utime + stime), threads of one name
 * summed, the main thread on its own: what the Node main thread, V8's GC helpers and worker threads, libuv's pool
 * and a native SDK's own threads each spend.
 */
export function cpuMsByThread(pid: number): Map<string, number> {
  const byName = new Map<string, number>();
  let tids: string[] = [];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return byName;
  }
  for (const tid of tids) {
    try {
      const { name, fields } = parseStat(readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8'));
      // The main thread apart from the others of its name (V8's GC helpers, worker threads).
      const key = tid === String(pid) ? `${name} (main)` : name;
      byName.set(key, (byName.get(key) ?? 0) + ticksMs(fields, false));
    } catch {
      // the thread ended
    }
  }
  return byName;
}

/** The process listening on a local TCP port (a server the bench did not start itself), or undefined. */
export function pidListeningOn(port: number): number | undefined {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols[1]?.endsWith(`:${hex}`) && cols[3] === '0A') inodes.add(cols[9]!);
    }
  }
  for (const pid of pids()) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
        if (target.startsWith('socket:[') && inodes.has(target.slice(8, -1))) return pid;
      } catch {
        // closed meanwhile
      }
    }
  }
  return undefined;
}

/** Named processes measured together: `delta()` is the CPU ms each spent since `start()`. */
export class CpuMeter {
  private before: Record<string, number> = {};

  constructor(private readonly processes: Record<string, { pid: number | undefined; tree?: boolean }>) {}

  private read(): Record<string, number> {
    return Object.fromEntries(Object.entries(this.processes).flatMap(([name, p]) => (p.pid ? [[name, cpuMs(p.pid, p.tree)]] : [])));
  }

  start(): void {
    this.before = this.read();
  }

  delta(): Record<string, number> {
    const now = this.read();
    return Object.fromEntries(Object.entries(now).map(([name, ms]) => [name, ms - (this.before[name] ?? 0)]));
  }
}
