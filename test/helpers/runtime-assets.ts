/**
 * Files the compiled daemon reads from outside dist/ at run time (config/default.yaml,
 * package.json, web/dist, tools/…), found the way the code finds them: every
 * `new URL('../…', import.meta.url)` in src/, resolved from the module's place in dist/.
 * install.sh and the Dockerfile must ship each of them; their tests check it, so a new
 * one cannot be forgotten.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './daemon.js';

export function runtimeAssets(): string[] {
  const found = new Set<string>();
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const abs = path.join(dir, name);
      if (statSync(abs).isDirectory()) { walk(abs); continue; }
      if (!name.endsWith('.ts')) continue;
      const text = readFileSync(abs, 'utf8');
      for (const m of text.matchAll(/new URL\(\s*['"](\.\.\/[^'"]+)['"]\s*,\s*import\.meta\.url\s*\)/g)) {
        const distDir = path.join(repoRoot, 'dist', path.relative(path.join(repoRoot, 'src'), dir));
        const rel = path.relative(repoRoot, path.resolve(distDir, m[1]!));
        if (!rel.startsWith('dist')) found.add(rel);
      }
    }
  };
  walk(path.join(repoRoot, 'src'));
  return [...found].sort();
}
