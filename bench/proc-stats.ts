/**
 * CPU and memory of process trees, read from /proc. CPU is counted in clock ticks
 * (utime + stime) over a window, so a figure is "share of one core" independent of the
 * number of cores; RSS is resident memory in bytes.
 */
import { readdirSync, readFileSync } from 'node:fs';

export const ticksPerSecond = 100; // _SC_CLK_TCK on Linux x86_64
const pageBytes = 4096;

interface ProcSample {
  pid: number;
  ppid: number;
  cpuTicks: number;
  rssBytes: number;
  comm: string;
}

/** One /proc stat file: a process's (`/proc/<pid>/stat`) or a thread's (`/proc/<pid>/task/<tid>/stat`). */
function readStat(pid: number, file = `/proc/${pid}/stat`): ProcSample | null {
  try {
    const text = readFileSync(file, 'utf8');
    const close = text.lastIndexOf(')');
    const comm = text.slice(text.indexOf('(') + 1, close);
    const f = text.slice(close + 2).split(' ');
    // Fields after comm: state(0) ppid(1) ... utime(11) stime(12) ... rss(21)
    return { pid, ppid: Number(f[1]), cpuTicks: Number(f[11]) + Number(f[12]), rssBytes: Number(f[21]) * pageBytes, comm };
  } catch {
    return null;
  }
}

/** CPU ticks of a process's threads: its main thread (tid = pid) and all the others. */
export function threadTicks(pid: number): { main: number; others: number } {
  let main = 0;
  let others = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    const t = readStat(pid, `/proc/${pid}/task/${tid}/stat`);
    if (!t) continue; // the thread ended
    if (tid === String(pid)) main += t.cpuTicks; else others += t.cpuTicks;
  }
  return { main, others };
}

export function allProcesses(): ProcSample[] {
  const out: ProcSample[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const s = readStat(Number(entry));
    if (s) out.push(s);
  }
  return out;
}

/** The given roots and all their descendants. */
export function tree(roots: number[]): ProcSample[] {
  const procs = allProcesses();
  const wanted = new Set(roots);
  let grew = true;
  while (grew) {
    grew = false;
    for (const p of procs) if (!wanted.has(p.pid) && wanted.has(p.ppid)) { wanted.add(p.pid); grew = true; }
  }
  return procs.filter((p) => wanted.has(p.pid));
}

export interface WindowFigures {
  /** CPU seconds used per wall second (1.0 = one full core). */
  cores: number;
  /** Summed RSS at the end of the window. */
  rssBytes: number;
  /** RSS of the root processes only (e.g. the daemon without its ffmpeg children). */
  rootRssBytes: number;
  processes: number;
  /** CPU (cores) per command name (node, ffmpeg, ffprobe...), to see where a cost sits. */
  coresByComm: Record<string, number>;
}

/** Measures a process tree's CPU over `seconds`, and its memory at the end. */
export async function measureTree(roots: () => number[], seconds: number): Promise<WindowFigures> {
  const cpuOf = (ps: ProcSample[]) => new Map(ps.map((p) => [p.pid, p.cpuTicks]));
  const before = cpuOf(tree(roots()));
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const afterProcs = tree(roots());
  const elapsedS = (performance.now() - t0) / 1000;
  let ticks = 0;
  const ticksByComm: Record<string, number> = {};
  for (const p of afterProcs) {
    const used = p.cpuTicks - (before.get(p.pid) ?? 0);
    ticks += used;
    ticksByComm[p.comm] = (ticksByComm[p.comm] ?? 0) + used;
  }
  const rootSet = new Set(roots());
  return {
    cores: ticks / ticksPerSecond / elapsedS,
    rssBytes: afterProcs.reduce((a, p) => a + p.rssBytes, 0),
    rootRssBytes: afterProcs.filter((p) => rootSet.has(p.pid)).reduce((a, p) => a + p.rssBytes, 0),
    processes: afterProcs.length,
    coresByComm: Object.fromEntries(Object.entries(ticksByComm).map(([k, v]) => [k, v / ticksPerSecond / elapsedS])),
  };
}
