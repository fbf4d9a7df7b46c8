/**
 * CPU and memory of process trees, read from /proc. A figure is "share of one core"
 * independent of the number of cores; RSS is resident memory in bytes.
 *
 * CPU comes from each thread's schedstat (nanoseconds the scheduler ran it), not from
 * utime + stime: those are clock ticks charged to whoever is running when the 100 Hz tick
 * lands, which is noise for a process that wakes for 100 us a few times a second (an idle
 * daemon read 0.0008 core on its helper threads by ticks, 0.00003 by schedstat).
 */
import { readdirSync, readFileSync } from 'node:fs';

export const ticksPerSecond = 100; // _SC_CLK_TCK on Linux x86_64
const pageBytes = 4096;

interface ProcSample {
  pid: number;
  ppid: number;
  cpuTicks: number;
  /** Nanoseconds on CPU of its live threads (schedstat) plus its reaped children (ticks). */
  cpuNs: number;
  rssBytes: number;
  comm: string;
}

function readStat(pid: number): ProcSample | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = text.lastIndexOf(')');
    const comm = text.slice(text.indexOf('(') + 1, close);
    const f = text.slice(close + 2).split(' ');
    // Fields after comm: state(0) ppid(1) ... utime(11) stime(12) cutime(13) cstime(14) ... rss(21)
    const reapedNs = (Number(f[13]) + Number(f[14])) * (1e9 / ticksPerSecond);
    return { pid, ppid: Number(f[1]), cpuTicks: Number(f[11]) + Number(f[12]), cpuNs: liveThreadsNs(pid) + reapedNs, rssBytes: Number(f[21]) * pageBytes, comm };
  } catch {
    return null;
  }
}

/** First field of a schedstat file: nanoseconds on CPU; 0 once the thread is gone. */
function schedNs(file: string): number {
  try {
    return Number(readFileSync(file, 'utf8').split(' ')[0]);
  } catch {
    return 0;
  }
}

/** All live threads of a process; 0 once it is gone. */
function liveThreadsNs(pid: number): number {
  try {
    const { main, others } = threadCpuNs(pid);
    return main + others;
  } catch {
    return 0;
  }
}

/** CPU nanoseconds of a process's threads: its main thread (tid = pid) and all the others. */
export function threadCpuNs(pid: number): { main: number; others: number } {
  let main = 0;
  let others = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    const ns = schedNs(`/proc/${pid}/task/${tid}/schedstat`);
    if (tid === String(pid)) main += ns; else others += ns;
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
  const cpuOf = (ps: ProcSample[]) => new Map(ps.map((p) => [p.pid, p.cpuNs]));
  const before = cpuOf(tree(roots()));
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const afterProcs = tree(roots());
  const elapsedS = (performance.now() - t0) / 1000;
  let ns = 0;
  const nsByComm: Record<string, number> = {};
  for (const p of afterProcs) {
    const used = p.cpuNs - (before.get(p.pid) ?? 0);
    ns += used;
    nsByComm[p.comm] = (nsByComm[p.comm] ?? 0) + used;
  }
  const rootSet = new Set(roots());
  return {
    cores: ns / 1e9 / elapsedS,
    rssBytes: afterProcs.reduce((a, p) => a + p.rssBytes, 0),
    rootRssBytes: afterProcs.filter((p) => rootSet.has(p.pid)).reduce((a, p) => a + p.rssBytes, 0),
    processes: afterProcs.length,
    coresByComm: Object.fromEntries(Object.entries(nsByComm).map(([k, v]) => [k, v / 1e9 / elapsedS])),
  };
}
