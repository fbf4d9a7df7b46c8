/**
 * bench/web: the web app's weight on the wire and the time an officer waits for a live
 * picture, in Debian's chromium against the real daemon and a real 720p camera.
 *
 *   npm run build:web && npx tsx bench/web.ts [--runs 5]
 *
 * Page weight: bytes of what the first page loads (index.html, script, style) raw, gzip
 * and brotli as served, and of the playback chunk (hls.js) loaded on the first playback.
 * Time to first live frame: from the page creating its WebSocket to the video element's
 * 'playing' (the player's own data-first-frame-ms), cold (no live stream running on the
 * box: RTSP setup and a wait for the next keyframe) and warm (another viewer already
 * watches: the cached GOP starts the picture at once).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startTestCamera } from '../test/helpers/test-camera.js';
import { ffmpegPidsMentioning, repoRoot, spawnDaemon, waitFor, writeTestConfig } from '../test/helpers/daemon.js';
import { launchBrowser, loginAs } from '../test/helpers/browser.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' } } });
const dist = path.join(repoRoot, 'web/dist');
const kb = (b: number) => `${(b / 1024).toFixed(1)} KB`;

function weight(files: string[]): { raw: number; gz: number; br: number } {
  const size = (f: string) => statSync(path.join(dist, f)).size;
  return files.reduce((a, f) => ({ raw: a.raw + size(f), gz: a.gz + size(`${f}.gz`), br: a.br + size(`${f}.br`) }), { raw: 0, gz: 0, br: 0 });
}

function pageWeight(): void {
  const html = readFileSync(path.join(dist, 'index.html'), 'utf8');
  const first = ['index.html', ...[...html.matchAll(/(?:src|href)="\/(assets\/[^"]+)"/g)].map((m) => m[1]!)];
  const lazy = readdirSync(path.join(dist, 'assets')).filter((f) => f.startsWith('hls.light') && f.endsWith('.js')).map((f) => `assets/${f}`);
  for (const [name, files] of [['first page (html + js + css)', first], ['playback chunk (hls.js light)', lazy]] as const) {
    const w = weight([...files]);
    console.log(`${name.padEnd(32)} raw ${kb(w.raw).padStart(9)}  gzip ${kb(w.gz).padStart(8)}  brotli ${kb(w.br).padStart(8)}  (${files.join(', ')})`);
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function firstFrames(): Promise<void> {
  const camera = await startTestCamera({ paths: ['/cam'], width: 1280, height: 720, fps: 25, bitrateKbps: 2000, keyintFrames: 50 });
  const { file, dataDir } = writeTestConfig({ cameras: [{ id: 'cam', url: camera.url, audio: 'off' }], segmentSeconds: 10 });
  const daemon = spawnDaemon(file);
  const watcher = await launchBrowser();
  const viewer = await launchBrowser();
  const cold: number[] = [];
  const warm: number[] = [];
  try {
    const base = await daemon.url();
    const password = readFileSync(path.join(dataDir, 'initial-admin-password'), 'utf8').trim();
    for (const b of [watcher, viewer]) {
      await loginAs(b.page, base, 'admin', password);
      await b.page.goto(`${base}/admin/users`); // a page without live view
    }
    const frame = async (p: typeof viewer.page) => {
      await p.goto(`${base}/live/cam`);
      await p.waitForSelector('.live-large [data-live-status=playing]', { timeout: 30_000 });
      return Number(await p.getAttribute('.live-large video', 'data-first-frame-ms'));
    };
    for (let i = 0; i < Number(values.runs); i++) {
      await waitFor('no live stream (linger over)', () => ffmpegPidsMentioning('frag_duration').length === 0, 30_000, 250);
      cold.push(await frame(watcher.page));
      await new Promise((r) => setTimeout(r, 700 + 450 * i)); // different points of the 2 s GOP
      warm.push(await frame(viewer.page));
      for (const b of [watcher, viewer]) await b.page.goto(`${base}/admin/users`);
    }
  } finally {
    await watcher.close();
    await viewer.close();
    daemon.child.kill('SIGTERM');
    await daemon.exited;
    await camera.stop();
  }
  const show = (xs: number[]) => `median ${median(xs)} ms (${xs.join(', ')})`;
  console.log(`time to first live frame, 720p GOP 2 s: cold ${show(cold)}; warm ${show(warm)}`);
}

pageWeight();
await firstFrames();
