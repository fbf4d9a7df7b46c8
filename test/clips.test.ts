/**
 * Clips end to end over real HTTP: real fMP4 segments recorded with the recorder's
 * command line (lavfi in place of RTSP), indexed through the real Indexer and store,
 * served by the real app with real auth and audit trail; checked with ffprobe/ffmpeg.
 *
 * cam1: run A [T0, T0+7 s) with audio, gap (camera-disconnected), run B [T0+10 s, T0+16 s);
 * 2 s segments, 1 s GOP. cam2: two runs at different resolutions (the ffmpeg fallback).
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toIso } from '../src/core/time.js';
import { waitFor } from './helpers/daemon.js';
import { T0, getAs, saveAs, auditEntries, decodeErrors, ffprobe, frameCodeOf, recordRun, startFootageApp, type FootageApp } from './clips-fixture.js';

const get = (url: string, headers: Record<string, string> = {}) => getAs(f, url, headers);
const saved = (name: string, body: Buffer) => saveAs(f, name, body);

let f: FootageApp;
const s = (seconds: number) => T0 + seconds * 1000;

beforeAll(async () => {
  f = await startFootageApp(['cam1', 'cam2', 'empty']);
  const base = { recordingsDir: f.recordingsDir, segmentSeconds: 2 };
  await recordRun(f.indexer, { ...base, cameraId: 'cam1', anchorMs: s(0), seconds: 7, audio: true });
  await recordRun(f.indexer, { ...base, cameraId: 'cam1', anchorMs: s(10), seconds: 6, audio: true });
  await recordRun(f.indexer, { ...base, cameraId: 'cam2', anchorMs: s(0), seconds: 4 });
  await recordRun(f.indexer, { ...base, cameraId: 'cam2', anchorMs: s(5), seconds: 4, width: 640, height: 360 });
}, 120_000);
afterAll(async () => { await f?.close(); });

const clipUrl = (cam: string, from: number | string, to: number | string, kind = 'clip.mp4') => `${f.url}/api/v1/cameras/${cam}/${kind}?from=${from}&to=${to}`;



/** md5 of every video packet, in order: equal lists mean the video was copied, not re-encoded. */
function videoPacketHashes(file: string, interval?: string): string[] {
  const args = ['-v', 'error', '-select_streams', 'v:0', '-show_data_hash', 'md5', '-show_entries', 'packet=data_hash', '-of', 'csv=p=0'];
  if (interval) args.push('-read_intervals', interval);
  return spawnSync('ffprobe', [...args, file]).stdout.toString().trim().split('\n');
}

describe('clip.mp4 (joined in TypeScript)', () => {
  it('crosses segments, runs and a gap; starts on the keyframe at or before from; decodes cleanly', async () => {
    const { res, body } = await get(clipUrl('cam1', toIso(s(3.5)), toIso(s(12.5))));
    expect(res.status).toBe(200);
    expect(res.headers.get('x-clip-method')).toBe('join');
    expect(Number(res.headers.get('content-length'))).toBe(body.length);
    expect(res.headers.get('accept-ranges')).toBe('bytes');
    // 1 s GOP: the clip starts at most one GOP before `from` and ends at most one after `to`.
    const clipFrom = Date.parse(res.headers.get('x-clip-from')!);
    const clipTo = Date.parse(res.headers.get('x-clip-to')!);
    expect(s(3.5) - clipFrom).toBeGreaterThanOrEqual(0);
    expect(s(3.5) - clipFrom).toBeLessThan(1000);
    expect(clipTo - s(12.5)).toBeGreaterThanOrEqual(0);
    expect(clipTo - s(12.5)).toBeLessThanOrEqual(1000);
    const gap = f.recordings.coverage('cam1', s(3.5), s(12.5)).gaps;
    expect(gap).toHaveLength(1);
    expect(res.headers.get('x-clip-gaps')).toBe(`${toIso(gap[0]!.fromMs)}/${toIso(gap[0]!.toMs)}`);

    const file = saved('clip.mp4', body);
    expect(decodeErrors(file)).toBe('');
    const probe = ffprobe(file, ['-show_entries', 'format=duration:stream=codec_name,width,height']) as { format: { duration: string }; streams: { codec_name: string }[] };
    expect(probe.streams.map((x) => x.codec_name).sort()).toEqual(['aac', 'h264']);
    // What was asked (9 s) minus the gap (3 s), give or take one GOP (1 s) at the ends;
    // exactly the served range minus the gap, give or take the audio's last frame.
    const duration = Number(probe.format.duration);
    expect(Math.abs(duration - 6)).toBeLessThanOrEqual(1 + 0.1);
    expect(Math.abs(duration - (clipTo - clipFrom - (gap[0]!.toMs - gap[0]!.fromMs)) / 1000)).toBeLessThanOrEqual(0.1);
    const first = spawnSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-read_intervals', '%+#1', '-show_entries', 'packet=flags', '-of', 'csv=p=0', file]).stdout.toString().trim();
    expect(first.startsWith('K')).toBe(true);
    // The keyframes are frames 0, 25, 50...: frame code 0, then 1.
    expect(frameCodeOf(file, 0)).toBe(0);
    expect(frameCodeOf(file, 1)).toBe(1);
  });

  it('copies the recorded video packets byte for byte (stream copy)', async () => {
    // 4.5..5.5 s: both fragments (GOPs) of the file that starts at 4 s, nothing else.
    const { body } = await get(clipUrl('cam1', s(4.5), s(5.5)));
    const clip = saved('copy.mp4', body);
    const json = JSON.parse((await get(clipUrl('cam1', s(4.5), s(5.5), 'clip.json'))).body.toString()) as { segments: { relPath: string }[] };
    expect(json.segments).toHaveLength(1);
    const source = path.join(f.recordingsDir, json.segments[0]!.relPath);
    // The clip ends with the fragment covering `to`: the file's last lone frame (a fragment
    // of its own, after 5.5 s) is not part of it.
    const copied = videoPacketHashes(clip);
    expect(copied.length).toBeGreaterThanOrEqual(45);
    expect(copied).toEqual(videoPacketHashes(source).slice(0, copied.length));
  });

  it('clip.json states the same clip: range, segments, gaps with reasons, length, codecs', async () => {
    const head = await get(clipUrl('cam1', s(3.5), s(12.5)));
    const { res, body } = await get(clipUrl('cam1', s(3.5), s(12.5), 'clip.json'));
    expect(res.status).toBe(200);
    const json = JSON.parse(body.toString()) as Record<string, unknown> & { segments: unknown[]; gaps: { reason: string; fromMs: number; toMs: number }[]; codec: { codecs: string; browserPlayable: boolean } };
    expect(json).toMatchObject({
      cameraId: 'cam1', from: head.res.headers.get('x-clip-from'), to: head.res.headers.get('x-clip-to'),
      method: 'join', lengthBytes: head.body.length, etag: head.res.headers.get('etag'),
    });
    expect(json['requested']).toMatchObject({ fromMs: s(3.5), toMs: s(12.5) });
    expect(json.segments).toHaveLength(5); // run A #2,#3,#4 and run B #1,#2
    const [gap] = f.recordings.coverage('cam1', s(3.5), s(12.5)).gaps;
    expect(json.gaps).toEqual([{ from: toIso(gap!.fromMs), to: toIso(gap!.toMs), fromMs: gap!.fromMs, toMs: gap!.toMs, reason: 'camera-disconnected' }]);
    expect(json.codec.codecs).toMatch(/^avc1\.[0-9a-f]{6},mp4a\.40\.2$/);
    expect(json.codec.browserPlayable).toBe(true);
  });

  it('resumes with HTTP Range: the parts join to the identical file; the ETag is stable', async () => {
    const whole = await get(clipUrl('cam1', s(1), s(15)));
    const etag = whole.res.headers.get('etag')!;
    expect(etag).toMatch(/^"[\w-]+"$/);
    const again = await get(clipUrl('cam1', s(1), s(15)));
    expect(again.res.headers.get('etag')).toBe(etag);
    expect(again.body.equals(whole.body)).toBe(true);

    const cut = 123_457;
    const part1 = await get(clipUrl('cam1', s(1), s(15)), { range: `bytes=0-${cut - 1}` });
    expect(part1.res.status).toBe(206);
    expect(part1.res.headers.get('content-range')).toBe(`bytes 0-${cut - 1}/${whole.body.length}`);
    const part2 = await get(clipUrl('cam1', s(1), s(15)), { range: `bytes=${cut}-`, 'if-range': etag });
    expect(part2.res.status).toBe(206);
    expect(Buffer.concat([part1.body, part2.body]).equals(whole.body)).toBe(true);

    const stale = await get(clipUrl('cam1', s(1), s(15)), { range: `bytes=${cut}-`, 'if-range': '"old"' });
    expect(stale.res.status).toBe(200);
    expect(stale.body.length).toBe(whole.body.length);
    const past = await get(clipUrl('cam1', s(1), s(15)), { range: `bytes=${whole.body.length}-` });
    expect(past.res.status).toBe(416);
    expect(past.res.headers.get('content-range')).toBe(`bytes */${whole.body.length}`);
  });

  it('HEAD answers the length without a body', async () => {
    const res = await fetch(clipUrl('cam1', s(1), s(3)), { method: 'HEAD', headers: f.auth });
    const full = await get(clipUrl('cam1', s(1), s(3)));
    expect(res.status).toBe(200);
    expect(Number(res.headers.get('content-length'))).toBe(full.body.length);
  });
});

describe('clip fallback (ffmpeg concat)', () => {
  it('is chosen when the codec parameters change inside the range, and plays both parts', async () => {
    const json = JSON.parse((await get(clipUrl('cam2', s(1), s(8), 'clip.json'))).body.toString()) as { method: string; fallbackReason: string; lengthBytes: null; gaps: { reason: string }[] };
    expect(json.method).toBe('ffmpeg');
    expect(json.fallbackReason).toMatch(/codec parameters/);
    expect(json.lengthBytes).toBeNull();
    const { res, body } = await get(clipUrl('cam2', s(1), s(8)));
    expect(res.status).toBe(200);
    expect(res.headers.get('x-clip-method')).toBe('ffmpeg');
    expect(res.headers.get('accept-ranges')).toBe('none');
    const file = saved('fallback.mp4', body);
    expect(decodeErrors(file)).toBe('');
    const sizes = spawnSync('ffmpeg', ['-v', 'info', '-i', file, '-vf', 'showinfo', '-f', 'null', '-']).stderr.toString();
    expect(sizes).toContain('s:320x240');
    expect(sizes).toContain('s:640x360');
  });
});

describe('clip errors', () => {
  const cases: [string, string, number, string, RegExp][] = [
    ['nothing recorded (inside the gap)', clipPath('cam1', 'T7.5', 'T9.5'), 404, 'NOTHING_RECORDED', /cam1.*2026-11-28T03:00:07\.500Z.*03:00:09\.500Z/],
    ['a camera that never recorded', clipPath('empty', 'T0', 'T5'), 404, 'NOTHING_RECORDED', /'empty'/],
    ['longer than clips.maxClipSeconds', clipPath('cam1', 'T0', `T${5 * 3600}`), 400, 'RANGE_TOO_LONG', /14400 s/],
    ['unparseable from', `/api/v1/cameras/cam1/clip.mp4?from=yesterday&to=${s(5)}`, 400, 'INVALID_TIME', /from='yesterday'/],
    ['from after to', clipPath('cam1', 'T5', 'T1'), 400, 'INVALID_RANGE', /must be before/],
    ['unknown camera', clipPath('nope', 'T0', 'T5'), 404, 'CAMERA_NOT_FOUND', /'nope'/],
    ['an id with path characters', `/api/v1/cameras/..%2F..%2Fetc/clip.mp4?from=${s(0)}&to=${s(5)}`, 400, 'INVALID_ID', /is not valid/],
  ];
  it.each(cases)('%s', async (_name, url, status, code, message) => {
    const { res, body } = await get(`${f.url}${url}`);
    expect(res.status).toBe(status);
    const json = JSON.parse(body.toString()) as { code: string; message: string };
    expect(json.code).toBe(code);
    expect(json.message).toMatch(message);
  });

  it('needs an investigator: 401 without a token, 403 for a viewer', async () => {
    expect((await fetch(`${f.url}${clipPath('cam1', 'T0', 'T2')}`)).status).toBe(401);
    expect((await fetch(`${f.url}${clipPath('cam1', 'T0', 'T2')}`, { headers: f.fx.bearer('viewer') })).status).toBe(403);
  });
});

describe('clip audit', () => {
  it('records camera, range, result and the bytes written, also for a download cut short', async () => {
    const { res: full, body } = await get(clipUrl('cam1', s(2), s(6)));
    const done = await waitFor('the clip audit entry', () => auditEntries(f.fx, 'clip').find((e) => e.detail?.includes(toIso(s(2)))));
    expect(done).toMatchObject({
      actor: 'token:test-investigator', cameraId: 'cam1', result: 'ok', bytes: body.length,
      fromMs: Date.parse(full.headers.get('x-clip-from')!), toMs: Date.parse(full.headers.get('x-clip-to')!),
    });

    const controller = new AbortController();
    const res = await fetch(clipUrl('cam1', s(0), s(16)), { headers: f.auth, signal: controller.signal });
    const reader = res.body!.getReader();
    await reader.read();
    controller.abort();
    const cut = await waitFor('the cut-short audit entry', () => auditEntries(f.fx, 'clip').find((e) => e.detail?.includes(toIso(s(16)))));
    expect(cut.result).toBe('failed');
    expect(cut.bytes).toBeLessThan(Number(res.headers.get('content-length')));
    expect(cut.detail).toMatch(/cut off/);

    await get(clipUrl('cam1', s(7.5), s(9.5)));
    const missing = auditEntries(f.fx, 'clip').find((e) => e.fromMs === s(7.5));
    expect(missing).toMatchObject({ result: 'failed', bytes: 0 });
  });
});

/** A clip path with times written as `T<seconds after T0>`. */
function clipPath(cam: string, from: string, to: string): string {
  const t = (x: string) => s(Number(x.slice(1)));
  return `/api/v1/cameras/${cam}/clip.mp4?from=${t(from)}&to=${t(to)}`;
}
