/**
 * HLS playback over real HTTP from real recordings: the playlist's structure, every
 * resource it names fetched and decoded, the timeline continuous inside a run, and the
 * whole playlist played by ffmpeg's HLS client with the same bearer token.
 *
 * cam1: run A [T0, T0+6 s) and run B [T0+9 s, T0+13 s), 2 s segments, 1 s GOP, no audio
 * (so every file's media starts exactly at its row's start). cam265: H.265.
 */
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toIso } from '../src/core/time.js';
import { T0, getAs, saveAs, auditEntries, decodeErrors, recordRun, startFootageApp, type FootageApp } from './clips-fixture.js';

const get = (url: string, headers: Record<string, string> = {}) => getAs(f, url, headers);
const saved = (name: string, body: Buffer) => saveAs(f, name, body);

const execFileAsync = promisify(execFile);
let f: FootageApp;
const s = (seconds: number) => T0 + seconds * 1000;

beforeAll(async () => {
  f = await startFootageApp(['cam1', 'cam265']);
  const base = { recordingsDir: f.recordingsDir, segmentSeconds: 2 };
  await recordRun(f.indexer, { ...base, cameraId: 'cam1', anchorMs: s(0), seconds: 6 });
  await recordRun(f.indexer, { ...base, cameraId: 'cam1', anchorMs: s(9), seconds: 4 });
  await recordRun(f.indexer, { ...base, cameraId: 'cam265', anchorMs: s(0), seconds: 2, codec: 'h265' });
}, 120_000);
afterAll(async () => { await f?.close(); });

const playlistPath = (cam: string, from: number, to: number) => `/api/v1/cameras/${cam}/playlist.m3u8?from=${from}&to=${to}`;


interface Entry { pdt: string; extinf: number; length: number; offset: number; uri: string }

function parseEntries(text: string): Entry[] {
  const entries: Entry[] = [];
  let pending: Partial<Entry> = {};
  for (const line of text.split('\n')) {
    if (line.startsWith('#EXT-X-PROGRAM-DATE-TIME:')) pending.pdt = line.slice(25);
    else if (line.startsWith('#EXTINF:')) pending.extinf = Number(line.slice(8).replace(',', ''));
    else if (line.startsWith('#EXT-X-BYTERANGE:')) [pending.length, pending.offset] = line.slice(17).split('@').map(Number);
    else if (line !== '' && !line.startsWith('#')) { entries.push({ ...pending, uri: line } as Entry); pending = {}; }
  }
  return entries;
}

describe('playlist.m3u8', () => {
  it('is an HLS v7 VOD playlist with program date-times and a discontinuity at the gap', async () => {
    const { res, body } = await get(playlistPath('cam1', s(0), s(13)));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/vnd.apple.mpegurl');
    expect(res.headers.get('x-codec-playable')).toBe('true');
    const text = body.toString();
    const lines = text.trim().split('\n');
    expect(lines.slice(0, 3)).toEqual(['#EXTM3U', '#EXT-X-VERSION:7', '#EXT-X-PLAYLIST-TYPE:VOD']);
    expect(lines.at(-1)).toBe('#EXT-X-ENDLIST');
    expect(lines.filter((l) => l === '#EXT-X-DISCONTINUITY')).toHaveLength(1);
    const entries = parseEntries(text);
    const target = Number(/#EXT-X-TARGETDURATION:(\d+)/.exec(text)![1]);
    expect(Math.max(...entries.map((e) => Math.round(e.extinf)))).toBeLessThanOrEqual(target);
    // The discontinuity sits between the last entry of run A and the first of run B.
    const afterGap = text.split('#EXT-X-DISCONTINUITY')[1]!;
    expect(parseEntries(afterGap)[0]!.pdt).toBe(toIso(s(9)));
    expect(afterGap).toMatch(/^\n#EXT-X-MAP:URI="segments\/\d+-1\/init\.mp4",BYTERANGE="\d+@0"\n/);

    // Each file's first entry starts where its row starts (a file = one media.m4s URI).
    const rows = f.recordings.segmentsInRange('cam1', s(0), s(13));
    const firstOfFile = new Map<string, Entry>();
    for (const e of entries) if (!firstOfFile.has(e.uri)) firstOfFile.set(e.uri, e);
    expect([...firstOfFile.values()].map((e) => e.pdt)).toEqual(rows.map((r) => toIso(r.startMs)));
    expect(entries.reduce((n, e) => n + e.extinf, 0)).toBeCloseTo(10, 1);
  });

  it('names resources that answer and decode: init + the byte ranges of each file', async () => {
    const text = (await get(playlistPath('cam1', s(0), s(13)))).body.toString();
    const base = `${f.url}/api/v1/cameras/cam1/`;
    const byFile = new Map<string, Entry[]>();
    for (const e of parseEntries(text)) byFile.set(e.uri, [...(byFile.get(e.uri) ?? []), e]);
    expect(byFile.size).toBe(5);
    for (const [uri, entries] of byFile) {
      const init = await get(new URL(uri.replace('media.m4s', 'init.mp4'), base).href);
      expect(init.res.status).toBe(200);
      const parts = [init.body];
      for (const e of entries) {
        const part = await get(new URL(uri, base).href, { range: `bytes=${e.offset}-${e.offset + e.length - 1}` });
        expect(part.res.status).toBe(206);
        expect(part.body.length).toBe(e.length);
        parts.push(part.body);
      }
      const file = saved(`${uri.split('/')[1]}.mp4`, Buffer.concat(parts));
      expect(decodeErrors(file)).toBe('');
    }
  });

  it('keeps time running across the files of a run (media time = wall time)', async () => {
    const rows = f.recordings.segmentsInRange('cam1', s(0), s(6));
    const starts: number[] = [];
    for (const row of rows) {
      const uri = `${f.url}/api/v1/cameras/cam1/segments/${row.runId}-${row.seq}`;
      const file = saved(`whole-${row.seq}.mp4`, Buffer.concat([(await get(`${uri}/init.mp4`)).body, (await get(`${uri}/media.m4s`)).body]));
      const pts = spawnSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'packet=pts_time', '-of', 'csv=p=0', file]).stdout.toString().trim().split('\n').map(Number);
      starts.push(pts[0]!);
      // The last frame ends where the next file begins: one frame (40 ms) after the last pts.
      expect(Math.round((Math.max(...pts) + 0.04) * 1000)).toBe(row.endMs);
    }
    expect(starts.map((x) => Math.round(x * 1000))).toEqual(rows.map((r) => r.startMs));
  });

  it('plays end to end in ffmpeg\'s HLS client with the same token', async () => {
    // Asynchronous: the server runs in this process and must keep answering.
    const { stdout, stderr } = await execFileAsync('ffmpeg', ['-v', 'error', '-headers', `Authorization: ${f.auth.authorization}\r\n`,
      '-i', `${f.url}${playlistPath('cam1', s(0), s(13))}`, '-map', '0:v', '-f', 'framecrc', '-'], { timeout: 60_000 });
    expect(stderr).toBe('');
    const frames = stdout.split('\n').filter((l) => /^\d/.test(l)).length;
    expect(frames).toBe(250); // 10 s of recording at 25 fps
  });

  it('says when the codec (H.265) will not play in common browsers', async () => {
    const { res, body } = await get(playlistPath('cam265', s(0), s(2)));
    expect(res.status).toBe(200);
    expect(res.headers.get('x-codec-playable')).toBe('false');
    expect(res.headers.get('x-codec')).toMatch(/^hvc1/);
    expect(body.toString()).toMatch(/^# codec hvc1 \(H\.265\) does not play in common browsers/m);
  });

  it('audits the playlist served', async () => {
    await get(playlistPath('cam1', s(1), s(5)));
    const entry = auditEntries(f.fx, 'playback').find((e) => e.fromMs === s(1));
    expect(entry).toMatchObject({ actor: 'token:test-investigator', cameraId: 'cam1', toMs: s(5), result: 'ok' });
  });

  const errors: [string, string, number, string, RegExp][] = [
    ['nothing recorded', playlistPath('cam1', s(6.5), s(8.5)), 404, 'NOTHING_RECORDED', /cam1/],
    ['longer than clips.maxPlaylistSeconds', playlistPath('cam1', s(0), s(2 * 86_400)), 400, 'RANGE_TOO_LONG', /86400 s/],
    ['from after to', playlistPath('cam1', s(5), s(1)), 400, 'INVALID_RANGE', /must be before/],
    ['a malformed segment id', '/api/v1/cameras/cam1/segments/..%2F1/media.m4s', 400, 'INVALID_ID', /segment '..\/1'/],
    ['an unknown segment', '/api/v1/cameras/cam1/segments/999-1/init.mp4', 404, 'NOT_FOUND', /999-1/],
    ['another camera\'s segment', '/api/v1/cameras/cam265/segments/1-1/init.mp4', 404, 'NOT_FOUND', /cam265/],
  ];
  it.each(errors)('%s', async (_name, url, status, code, message) => {
    const { res, body } = await get(url);
    expect(res.status).toBe(status);
    expect(JSON.parse(body.toString())).toMatchObject({ code, message: expect.stringMatching(message) });
  });
});
