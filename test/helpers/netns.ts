/**
 * Network namespaces for tests: private LANs (veth pairs) that no real network sees, so
 * multicast discovery and multi-NIC routing are tested for real without touching the
 * host. Needs root and iproute2. Everything a lab creates is removed by cleanup(), which
 * tests call in afterAll (and which also runs at process exit as a last resort).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';

/** Why namespaces cannot be used here, or null when they can. */
export function netnsUnavailable(): string | null {
  if (process.getuid?.() !== 0) return 'network-namespace tests need root (CI runs as root): skipped';
  if (!['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip', '/bin/ip'].some((p) => existsSync(p))) {
    throw new Error('running as root but `ip` (iproute2) is missing: apt-get install iproute2');
  }
  return null;
}

export interface RunningProcess {
  child: ChildProcess;
  output: () => string;
  /** Resolves with the first stdout line starting with `prefix` (the rest of the line). */
  line(prefix: string, timeoutMs?: number): Promise<string>;
  exited: Promise<number | null>;
}

export class NetnsLab {
  readonly id = randomBytes(3).toString('hex');
  private readonly namespaces: string[] = [];
  private readonly children: ChildProcess[] = [];
  private readonly onExit = () => this.cleanupSync();

  constructor() {
    process.once('exit', this.onExit);
  }

  /** Full namespace name for a short role name (box, cam, office). */
  ns(role: string): string {
    return `nvrt-${role}-${this.id}`;
  }

  addNamespace(role: string): string {
    const name = this.ns(role);
    ip('netns', 'add', name);
    this.namespaces.push(name);
    ip('-n', name, 'link', 'set', 'lo', 'up');
    return name;
  }

  /** A veth pair straight between two namespaces, both ends up and addressed (CIDR). */
  link(a: { role: string; ifname: string; cidr: string }, b: { role: string; ifname: string; cidr: string }): void {
    ip('link', 'add', 'name', a.ifname, 'netns', this.ns(a.role), 'type', 'veth', 'peer', 'name', b.ifname, 'netns', this.ns(b.role));
    for (const end of [a, b]) {
      ip('-n', this.ns(end.role), 'addr', 'add', end.cidr, 'dev', end.ifname);
      ip('-n', this.ns(end.role), 'link', 'set', end.ifname, 'up');
    }
  }

  addAddress(role: string, ifname: string, cidr: string): void {
    ip('-n', this.ns(role), 'addr', 'add', cidr, 'dev', ifname);
  }

  ip(role: string, ...args: string[]): string {
    return ip('-n', this.ns(role), ...args);
  }

  /** Start a process inside a namespace; its stdin stays open so it can exit on EOF. */
  spawnIn(role: string, command: string, args: readonly string[]): RunningProcess {
    const child = spawn('ip', ['netns', 'exec', this.ns(role), command, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.children.push(child);
    let out = '';
    child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    const line = async (prefix: string, timeoutMs = 20_000): Promise<string> => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const hit = out.split('\n').find((l) => l.startsWith(prefix));
        if (hit !== undefined) return hit.slice(prefix.length).trim();
        if (child.exitCode !== null || Date.now() > deadline) throw new Error(`no '${prefix}' line from ${command} in ${role}: ${out.slice(-2000)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    return { child, output: () => out, line, exited };
  }

  /** Stop our processes, then remove every namespace (and with them their veths). */
  async cleanup(): Promise<void> {
    for (const c of this.children) if (c.exitCode === null) c.kill('SIGTERM');
    await Promise.all(this.children.map((c) => (c.exitCode !== null ? null : new Promise((r) => {
      const t = setTimeout(() => { c.kill('SIGKILL'); r(null); }, 3000);
      c.once('close', () => { clearTimeout(t); r(null); });
    }))));
    this.cleanupSync();
  }

  private cleanupSync(): void {
    process.off('exit', this.onExit);
    for (const name of this.namespaces.splice(0)) {
      // Anything still inside (a grandchild) would keep the namespace's network alive.
      const pids = tryIp('netns', 'pids', name).split('\n').filter((p) => /^\d+$/.test(p.trim()));
      for (const pid of pids) { try { process.kill(Number(pid), 'SIGKILL'); } catch { /* gone */ } }
      tryIp('netns', 'del', name);
    }
  }
}

function ip(...args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function tryIp(...args: string[]): string {
  try { return ip(...args); } catch { return ''; }
}
