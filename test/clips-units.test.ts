/**
 * The pieces under clips, on their own: byte-range decisions, the fragment index of a
 * real segment and of one cut short by a crash, and the recipe's patches.
 */
import { copyFileSync, mkdtempSync, rmSync, statSync, truncateSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decideRange } from '../src/clips/byte-range.js';
import { indexSegmentFile } from '../src/clips/fragment-index.js';
import { applyPatches } from '../src/clips/virtual-file.js';
import { fixtureArgs } from './clips-fixture.js';
import { spawnSync } from 'node:child_process';

describe('decideRange', () => {
  const etag = '"abc"';
  const cases: [string | undefined, string | undefined, ReturnType<typeof decideRange>][] = [
    [undefined, undefined, { kind: 'full' }],
    ['bytes=0-99', undefined, { kind: 'partial', start: 0, endExclusive: 100 }],
    ['bytes=900-', undefined, { kind: 'partial', start: 900, endExclusive: 1000 }],
    ['bytes=900-5000', undefined, { kind: 'partial', start: 900, endExclusive: 1000 }],
    ['bytes=-10', undefined, { kind: 'partial', start: 990, endExclusive: 1000 }],
    ['bytes=-5000', undefined, { kind: 'partial', start: 0, endExclusive: 1000 }],
    ['bytes=1000-', undefined, { kind: 'unsatisfiable' }],
    ['bytes=-0', undefined, { kind: 'unsatisfiable' }],
    ['bytes=50-10', undefined, { kind: 'full' }],
    ['bytes=0-1,5-9', undefined, { kind: 'full' }],
    ['items=0-1', undefined, { kind: 'full' }],
    ['bytes=10-19', etag, { kind: 'partial', start: 10, endExclusive: 20 }],
    ['bytes=10-19', '"other"', { kind: 'full' }],
    ['bytes=10-19', 'Sat, 28 Nov 2026 10:00:00 GMT', { kind: 'full' }],
  ];
  it.each(cases)('Range %s, If-Range %s', (range, ifRange, expected) => {
    expect(decideRange(range, ifRange, etag, 1000)).toEqual(expected);
  });
});

describe('applyPatches', () => {
  it('patches bytes that straddle chunk borders', () => {
    const patch = { at: 6, bytes: Buffer.from('ABCD') };
    const a = Buffer.from('00000000');
    const b = Buffer.from('11111111');
    applyPatches(a, 0, [patch]);
    applyPatches(b, 8, [patch]);
    expect(`${a}${b}`).toBe('000000ABCD111111');
  });
});

describe('indexSegmentFile', () => {
  let dir: string;
  let file: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'nvr-frag-'));
    const args = fixtureArgs({ recordingsDir: dir, cameraId: 'c', anchorMs: 0, seconds: 4, segmentSeconds: 10, audio: true }, path.join(dir, 's-%06d.mp4'));
    expect(spawnSync('ffmpeg', args).status).toBe(0);
    file = path.join(dir, 's-000001.mp4');
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('finds every fragment: keyframe starts, decode times, durations, tfdt positions', async () => {
    const index = await indexSegmentFile(file);
    expect(index.tracks.map((t) => t.handler)).toEqual(['vide', 'soun']);
    expect(index.movable).toBe(true);
    const video = index.fragments.filter((f) => f.trafs.some((t) => t.trackId === index.mainTrackId));
    expect(video.length).toBeGreaterThanOrEqual(4); // 1 s GOP, 4 s
    expect(video.slice(0, 4).every((f) => f.key)).toBe(true);
    const main = video.map((f) => f.trafs.find((t) => t.trackId === index.mainTrackId)!);
    for (let i = 1; i < main.length; i++) expect(main[i]!.decodeTime).toBe(main[i - 1]!.decodeTime + main[i - 1]!.durationTicks);
    for (let i = 1; i < index.fragments.length; i++) expect(index.fragments[i]!.offset).toBe(index.fragments[i - 1]!.end);
    expect(main.every((t) => t.tfdtBytes === 8)).toBe(true);
  });

  it('stops at the last whole fragment of a file cut inside a fragment (a crash)', async () => {
    const whole = await indexSegmentFile(file);
    const cut = path.join(dir, 'cut.mp4');
    copyFileSync(file, cut);
    const third = whole.fragments[2]!;
    truncateSync(cut, third.offset + Math.floor((third.end - third.offset) / 2));
    const index = await indexSegmentFile(cut);
    expect(index.fragments.map((f) => f.offset)).toEqual(whole.fragments.slice(0, 2).map((f) => f.offset));
    expect(index.sizeBytes).toBe(statSync(cut).size);
  });

  it('refuses a file without an MP4 header', async () => {
    const junk = path.join(dir, 'junk.mp4');
    copyFileSync(file, junk);
    truncateSync(junk, 16);
    await expect(indexSegmentFile(junk)).rejects.toThrow(/no MP4 header/);
  });
});
