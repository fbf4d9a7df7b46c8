/**
 * Stills over real HTTP from real recordings: the frame code burnt into each frame
 * (clips-fixture) tells which frame a JPEG shows, so "the frame at t within one frame
 * interval" is checked exactly, not by eye.
 *
 * cam1: one run [T0, T0+6 s), 25 fps (40 ms a frame), 1 s GOP, 2 s segments, no audio.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { T0, getAs, saveAs, auditEntries, ffprobe, frameCodeOf, recordRun, startFootageApp, type FootageApp } from './clips-fixture.js';

const get = (url: string, headers: Record<string, string> = {}) => getAs(f, url, headers);
const saved = (name: string, body: Buffer) => saveAs(f, name, body);

let f: FootageApp;

beforeAll(async () => {
  f = await startFootageApp(['cam1', 'cam2']);
  await recordRun(f.indexer, { recordingsDir: f.recordingsDir, segmentSeconds: 2, cameraId: 'cam1', anchorMs: T0, seconds: 6 });
}, 120_000);
afterAll(async () => { await f?.close(); });



/** The first frame at or after t: frame n shows at n x 40 ms; its code is n mod 25. */
const expectedCode = (offsetMs: number) => Math.ceil(offsetMs / 40) % 25;

describe('still.jpg', () => {
  it('is the frame at t, within one frame interval, and differs between two instants', async () => {
    const codes: number[] = [];
    for (const offsetMs of [1234, 4567]) {
      const { res, body } = await get(`/api/v1/cameras/cam1/still.jpg?at=${T0 + offsetMs}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/jpeg');
      expect(body.subarray(0, 2).toString('hex')).toBe('ffd8');
      const code = frameCodeOf(saved(`still-${offsetMs}.jpg`, body));
      expect(code).toBe(expectedCode(offsetMs));
      codes.push(code);
    }
    expect(codes[0]).not.toBe(codes[1]);
  });

  it('crosses into the right segment at a segment boundary', async () => {
    const { body } = await get(`/api/v1/cameras/cam1/still.jpg?at=${T0 + 2000}`);
    expect(frameCodeOf(saved('still-2000.jpg', body))).toBe(expectedCode(2000));
  });

  it('scales to width keeping the aspect ratio', async () => {
    const { res, body } = await get(`/api/v1/cameras/cam1/still.jpg?at=${T0 + 3000}&width=160`);
    expect(res.status).toBe(200);
    const probe = ffprobe(saved('small.jpg', body), ['-show_entries', 'stream=width,height']) as { streams: { width: number; height: number }[] };
    expect(probe.streams[0]).toEqual({ width: 160, height: 120 });
  });

  const errors: [string, string, number, string, RegExp][] = [
    ['nothing recorded at t', `/api/v1/cameras/cam1/still.jpg?at=${T0 + 60_000}`, 404, 'NOTHING_RECORDED', /cam1.*03:01:00\.000Z/],
    ['width too small', `/api/v1/cameras/cam1/still.jpg?at=${T0 + 1000}&width=5`, 400, 'BAD_REQUEST', /width='5'.*16 to 3840/],
    ['width not a number', `/api/v1/cameras/cam1/still.jpg?at=${T0 + 1000}&width=wide`, 400, 'BAD_REQUEST', /width='wide'/],
    ['unparseable at', '/api/v1/cameras/cam1/still.jpg?at=noon', 400, 'INVALID_TIME', /at='noon'/],
    ['missing at', '/api/v1/cameras/cam1/still.jpg', 400, 'INVALID_TIME', /at is required/],
    ['unknown camera', `/api/v1/cameras/nope/still.jpg?at=${T0}`, 404, 'CAMERA_NOT_FOUND', /'nope'/],
    ['id with path characters', `/api/v1/cameras/cam1%2F..%2F/still.jpg?at=${T0}`, 400, 'INVALID_ID', /not valid/],
  ];
  it.each(errors)('%s', async (_name, url, status, code, message) => {
    const { res, body } = await get(url);
    expect(res.status).toBe(status);
    expect(JSON.parse(body.toString())).toMatchObject({ code, message: expect.stringMatching(message) });
  });
});

describe('/stills for several cameras at once', () => {
  it('answers one entry per camera: the still, or why there is none', async () => {
    const at = T0 + 1234;
    const { res, body } = await get(`/api/v1/stills?at=${new Date(at).toISOString()}&cameras=cam1,cam2`);
    expect(res.status).toBe(200);
    const json = JSON.parse(body.toString()) as { atMs: number; stills: { cameraId: string; status: string; dataUrl: string | null; url: string; message: string | null }[] };
    expect(json.atMs).toBe(at);
    const [one, two] = json.stills;
    expect(one).toMatchObject({ cameraId: 'cam1', status: 'ok', url: `cameras/cam1/still.jpg?at=${at}` });
    const jpeg = Buffer.from(one!.dataUrl!.replace(/^data:image\/jpeg;base64,/, ''), 'base64');
    expect(frameCodeOf(saved('batch.jpg', jpeg))).toBe(expectedCode(1234));
    expect(two).toMatchObject({ cameraId: 'cam2', status: 'nothing-recorded', dataUrl: null });
    expect(two!.message).toMatch(/cam2/);
  });

  it('refuses unknown cameras and an empty list, naming them', async () => {
    const unknown = await get(`/api/v1/stills?at=${T0}&cameras=cam1,zzz`);
    expect(unknown.res.status).toBe(404);
    expect(JSON.parse(unknown.body.toString())).toMatchObject({ code: 'CAMERA_NOT_FOUND', message: expect.stringMatching(/'zzz'/) });
    const empty = await get(`/api/v1/stills?at=${T0}&cameras=,`);
    expect(empty.res.status).toBe(400);
    expect(JSON.parse(empty.body.toString())).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/cameras/) });
  });

  it('audits every still served or refused, per camera', async () => {
    const before = auditEntries(f.fx, 'still').length;
    await get(`/api/v1/stills?at=${T0 + 500}&cameras=cam1,cam2`);
    const entries = auditEntries(f.fx, 'still').slice(0, auditEntries(f.fx, 'still').length - before);
    expect(entries.map((e) => [e.cameraId, e.result]).sort()).toEqual([['cam1', 'ok'], ['cam2', 'failed']]);
    const ok = entries.find((e) => e.cameraId === 'cam1')!;
    expect(ok).toMatchObject({ actor: 'token:test-investigator', fromMs: T0 + 500, toMs: T0 + 500 });
    expect(ok.bytes).toBeGreaterThan(1000);
  });
});
