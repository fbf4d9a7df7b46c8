/**
 * The web app as the daemon serves it: a real Vite build (into a temp folder) served by
 * the real app. Pages of the app answer index.html (reload and bookmarks work), assets
 * come compressed and cacheable, nothing else turns into HTML: unknown paths and the API
 * keep their JSON answers.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { brotliDecompressSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type ApiApp } from '../src/api/app.js';
import { appPages } from '../src/api/routes/web.js';
import { silentLogger } from '../src/core/logger.js';
import { systemSpawner } from '../src/core/spawn.js';
import { LiveHub } from '../src/live/live-hub.js';
import { apiDepsWith, createAuthFixture, type AuthFixture } from './helpers/api-deps.js';
import { repoRoot, tempDir } from './helpers/daemon.js';

let outDir: string;
let fixture: AuthFixture;
let app: ApiApp;

beforeAll(() => {
  outDir = path.join(tempDir('nvr-web-'), 'dist');
  execFileSync(process.execPath, [path.join(repoRoot, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'web/vite.config.ts', '--outDir', outDir, '--logLevel', 'error'], { cwd: repoRoot });
  fixture = createAuthFixture();
  // The live route too (plain HTTP never reaches the hub, so no ffmpeg starts).
  app = buildApp(apiDepsWith(fixture, { webRoot: outDir, live: new LiveHub({ spawner: systemSpawner, log: silentLogger() }) }));
}, 120_000);

afterAll(async () => {
  await app?.close();
  fixture?.close();
});

const assets = () => readdirSync(path.join(outDir, 'assets')).filter((f) => !/\.(gz|br)$/.test(f));

describe('web app build', () => {
  it('is Vietnamese by default and links nothing outside the box', () => {
    const html = readFileSync(path.join(outDir, 'index.html'), 'utf8');
    expect(html).toMatch(/<html lang="vi">/);
    // No CDN, web font or analytics: the post's LAN has no internet. (hls.js quotes URLs in
    // its messages; what the browser actually fetches is checked in test/e2e-ui.test.ts,
    // and the CSP allows 'self' only.)
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//i);
    for (const file of assets().filter((f) => f.endsWith('.css') || f.startsWith('index-'))) {
      const text = readFileSync(path.join(outDir, 'assets', file), 'utf8');
      // XML namespace names (Preact's SVG/MathML) are identifiers, never fetched.
      expect(/https?:\/\/(?!www\.w3\.org\/)[a-z0-9-]+\.[a-z]/i.test(text), file).toBe(false);
      expect(/@import|@font-face/i.test(text), file).toBe(false);
    }
  });

  it('writes a brotli and a gzip copy of every script and style, smaller than the original', () => {
    for (const file of assets().filter((f) => /\.(js|css)$/.test(f))) {
      const original = path.join(outDir, 'assets', file);
      expect(statSync(`${original}.br`).size).toBeLessThan(statSync(original).size);
      expect(statSync(`${original}.gz`).size).toBeLessThan(statSync(original).size);
    }
  });
});

describe('serving the web app', () => {
  it('answers index.html with a strict content security policy on every page of the app', async () => {
    for (const page of appPages) {
      const url = page.replace(':id', 'gate');
      const res = await app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-type']).toMatch(/text\/html/);
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(res.headers['content-security-policy']).toMatch(/default-src 'self'; script-src 'self';/);
      expect(res.body).toMatch(/<div id="app">/);
    }
  });

  it('serves assets compressed, cacheable for a year, and unchanged once decompressed', async () => {
    const js = assets().find((f) => f.startsWith('index-') && f.endsWith('.js'))!;
    const res = await app.inject({ method: 'GET', url: `/assets/${js}`, headers: { 'accept-encoding': 'br, gzip' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-encoding']).toBe('br');
    expect(res.headers['content-type']).toMatch(/javascript/);
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(brotliDecompressSync(res.rawPayload).equals(readFileSync(path.join(outDir, 'assets', js)))).toBe(true);
  });

  it('keeps JSON 404s for unknown paths and missing assets, and never answers HTML under /api', async () => {
    for (const url of ['/nothing-here', '/assets/missing.js', '/assets/..%2F..%2Fpackage.json', '/assets/.hidden', '/timeline']) {
      const res = await app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(404);
      expect(res.json(), url).toMatchObject({ code: 'NOT_FOUND' });
    }
    const api = await app.inject({ method: 'GET', url: '/api/v1/unknown' });
    expect(api.statusCode).toBe(401); // the API is not mapped anonymously
    expect(api.headers['content-type']).toMatch(/json/);
    const post = await app.inject({ method: 'POST', url: '/trace' });
    expect(post.statusCode).toBe(405);
  });

  it('answers 1,000 generated malformed requests to the app, asset and live routes with no 5xx', async () => {
    // As a client sends them on the wire (percent-encoded where a raw byte is not allowed).
    const junk = ['..', '%2e%2e', '%00', '%ff', '%3Cscript%3E', "'", '%22', '%20', '%5C', '//', '?', '&', 'a'.repeat(300), '%C3%BC', '%', ';', '*', '=', '.hidden'];
    let seed = 7;
    const pick = <T>(xs: readonly T[]): T => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return xs[seed % xs.length]!; };
    const paths = ['/assets/', '/live/', '/timeline/', '/api/v1/cameras/gate/live?quality=', '/api/v1/cameras/', '/trace?at=', '/'];
    const statuses = new Map<number, number>();
    for (let i = 0; i < 1000; i++) {
      const url = `${pick(paths)}${pick(junk)}${pick(junk)}${i % 3 === 0 ? '/live' : ''}`;
      const res = await app.inject({ method: pick(['GET', 'HEAD', 'POST', 'PUT', 'DELETE'] as const), url, headers: i % 2 ? fixture.bearer('viewer') : {} });
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
      expect(res.statusCode, `${url} -> ${res.body.slice(0, 200)}`).toBeLessThan(500);
    }
    expect([...statuses.keys()].some((s) => s >= 400)).toBe(true);
  });

  it('serves the app pages without a session (the page itself logs in), while the API stays closed', async () => {
    expect((await app.inject({ method: 'GET', url: '/admin/users' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/api/v1/users' })).statusCode).toBe(401);
  });
});
