/**
 * Compile a few TypeScript entry points (and what they import) to runnable ESM, for
 * programs a test must start outside the vitest worker: inside a network namespace via
 * `ip netns exec`, where only a plain `node file.js` can run. Emits without type checking
 * (tsc --noCheck; the project's type check covers these files) into node_modules/.cache,
 * so bare imports (`onvif`, `pino`) resolve from the repo's node_modules.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './daemon.js';

const built = new Map<string, string>();

/** Returns the output folder; `<out>/<entry path with .js>` is runnable with node. */
export function compileEntries(entries: readonly string[]): string {
  const key = [...entries].sort().join('|');
  const cached = built.get(key);
  if (cached) return cached;
  const root = path.join(repoRoot, 'node_modules', '.cache', 'nvr-test-build');
  removeOrphans(root);
  const outDir = path.join(root, `${process.pid}-${built.size}`);
  mkdirSync(outDir, { recursive: true });
  process.once('exit', () => rmSync(outDir, { recursive: true, force: true }));
  // The cache folder sits under node_modules, where Node does not look further up for
  // the repo's "type": "module".
  writeFileSync(path.join(outDir, 'package.json'), '{"type":"module"}\n');
  execFileSync(process.execPath, [
    path.join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'),
    '--outDir', outDir, '--rootDir', repoRoot, '--module', 'NodeNext', '--moduleResolution', 'NodeNext',
    '--target', 'ES2022', '--noCheck', '--skipLibCheck', '--esModuleInterop', '--types', 'node',
    ...entries.map((e) => path.join(repoRoot, e)),
  ], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  built.set(key, outDir);
  return outDir;
}

export function compiledPath(outDir: string, entry: string): string {
  return path.join(outDir, entry.replace(/\.ts$/, '.js'));
}

/** Builds of test workers that were killed (no 'exit' event ran): their pid is gone. */
function removeOrphans(root: string): void {
  let names: string[] = [];
  try { names = readdirSync(root); } catch { return; }
  for (const name of names) {
    const pid = Number(name.split('-')[0]);
    if (!Number.isInteger(pid) || pid === process.pid || alive(pid)) continue;
    rmSync(path.join(root, name), { recursive: true, force: true });
  }
}

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (err) { return (err as NodeJS.ErrnoException).code === 'EPERM'; }
}
