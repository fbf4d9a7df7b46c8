/**
 * The health card's rules on exact inputs: where each warning starts, what it says, and
 * how ffprobe's packet list becomes frame rate and keyframe spacing (pure functions; the
 * same rules run against real cameras in onvif-onboarding.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { buildHealthCard, duration, type HealthInputs } from '../src/cameras/health-card.js';
import { streamFacts } from '../src/cameras/stream-probe.js';
import type { StreamFacts } from '../src/cameras/types.js';
import type { MediaProfile } from '../src/discovery/types.js';

const stream = (over: Partial<StreamFacts> = {}): StreamFacts => ({
  videoCodec: 'h264', width: 1920, height: 1080, declaredFps: 25, measuredFps: 25, keyframeIntervalMs: 2000,
  keyframeIntervalIsLowerBound: false, audioCodec: null, probeSeconds: 10, ...over,
});
const profile = (over: Partial<MediaProfile> = {}): MediaProfile => ({
  token: 'p', name: 'p', encoding: 'H264', width: 1920, height: 1080, fps: 25, bitrateKbps: 4096, govLength: 50, audioEncoding: null, ...over,
});
const card = (over: Partial<HealthInputs>) => buildHealthCard({ checkedAtMs: 1, stream: stream(), streamError: null, main: profile(), sub: null, clockOffsetMs: 0, ...over });
const codes = (over: Partial<HealthInputs>) => card(over).warnings.map((w) => w.code);

describe('warning thresholds', () => {
  it('a clean camera has no warning', () => {
    expect(codes({})).toEqual([]);
  });

  it('keyframes: more than 4 s apart warns, 4 s does not; a lower bound says "at least"', () => {
    expect(codes({ stream: stream({ keyframeIntervalMs: 4000 }) })).toEqual([]);
    expect(codes({ stream: stream({ keyframeIntervalMs: 4001 }) })).toEqual(['keyframe-interval']);
    const w = card({ stream: stream({ keyframeIntervalMs: 6500, keyframeIntervalIsLowerBound: true }) }).warnings[0]!;
    expect(w.message.en).toContain('at least 6.5 s apart');
    expect(w.message.vi).toContain('ít nhất 6,5 giây');
  });

  it('keyframes from ONVIF GovLength when the stream could not be read', () => {
    expect(codes({ stream: null, streamError: 'Connection refused', main: profile({ govLength: 200, fps: 25 }) })).toEqual(['stream-unreadable', 'keyframe-interval']);
  });

  it('G.711 in any spelling warns; AAC does not', () => {
    expect(codes({ stream: stream({ audioCodec: 'pcm_mulaw' }) })).toEqual(['g711-audio']);
    expect(codes({ stream: stream({ audioCodec: 'aac' }) })).toEqual([]);
    expect(codes({ stream: null, streamError: 'x', main: profile({ audioEncoding: 'G711' }) })).toEqual(['stream-unreadable', 'g711-audio']);
  });

  it('H.265 main: names the H.264 sub-stream when there is one, says live view fails when not', () => {
    const withSub = card({ stream: stream({ videoCodec: 'hevc' }), sub: profile({ encoding: 'H264', width: 640 }) }).warnings[0]!;
    expect(withSub.code).toBe('h265-main');
    expect(withSub.message.en).toContain('live view uses the H.264 sub-stream');
    const without = card({ stream: stream({ videoCodec: 'hevc' }), sub: profile({ encoding: 'H265' }) }).warnings[0]!;
    expect(without.message.en).toContain('no H.264 sub-stream');
    expect(without.message.vi).toContain('không có luồng phụ H.264');
  });

  it('clock: 5 s either way is fine, more is flagged with its direction', () => {
    expect(codes({ clockOffsetMs: 5000 })).toEqual([]);
    expect(codes({ clockOffsetMs: -5000 })).toEqual([]);
    const behind = card({ clockOffsetMs: -(3 * 60_000 + 5000) }).warnings[0]!;
    expect(behind.message.en).toContain('3 min 5 s behind the box');
    expect(behind.message.vi).toContain('chậm 3 phút 5 giây');
    expect(codes({ clockOffsetMs: null })).toEqual([]);
  });

  it('every warning carries both languages and a fix', () => {
    const all = card({ stream: stream({ videoCodec: 'hevc', audioCodec: 'pcm_alaw', keyframeIntervalMs: 9000 }), clockOffsetMs: 86_400_000 * 2 }).warnings;
    expect(all.map((w) => w.code).sort()).toEqual(['clock-offset', 'g711-audio', 'h265-main', 'keyframe-interval']);
    for (const w of all) for (const text of [w.message.vi, w.message.en, w.fix.vi, w.fix.en]) expect(text.length).toBeGreaterThan(20);
  });
});

describe('durations for people', () => {
  it('rounds to what a person reads', () => {
    expect(duration(12_400, 'en')).toBe('12 s');
    expect(duration(3_600_000 * 2 + 600_000, 'en')).toBe('2 h 10 min');
    expect(duration(86_400_000, 'en')).toBe('1 day');
    expect(duration(365 * 86_400_000, 'vi')).toBe('365 ngày');
    expect(duration(365 * 86_400_000 - 800, 'en')).toBe('365 days'); // a camera clock read to the second
    expect(duration(119_600, 'en')).toBe('2 min');
  });
});

describe('stream facts from ffprobe packets', () => {
  const video = { index: 0, codec_type: 'video', codec_name: 'h264', width: 640, height: 360, r_frame_rate: '25/1', avg_frame_rate: '25/1' };
  const packets = (n: number, keyEvery: number, fps = 25) => Array.from({ length: n }, (_, i) => ({
    stream_index: 0, flags: i % keyEvery === 0 ? 'K_' : '__', ...(i === 0 ? {} : { pts_time: (i / fps).toFixed(6), dts_time: (i / fps).toFixed(6) }),
  }));

  it('measures frame rate and keyframe spacing; the first packet without time is placed a frame early', () => {
    const f = streamFacts({ streams: [video], packets: packets(250, 50) }, 10);
    expect(f).toMatchObject({ videoCodec: 'h264', declaredFps: 25, measuredFps: 25, keyframeIntervalMs: 2000, keyframeIntervalIsLowerBound: false, audioCodec: null });
  });

  it('a camera that delivers 21 of its declared 25 fps', () => {
    expect(streamFacts({ streams: [video], packets: packets(211, 50, 21) }, 10).measuredFps).toBe(21);
  });

  it('one keyframe in the window gives a lower bound from the longer side', () => {
    const list = packets(250, 1000).map((p, i) => ({ ...p, flags: i === 60 ? 'K_' : '__' }));
    const f = streamFacts({ streams: [video], packets: list }, 10);
    expect(f.keyframeIntervalIsLowerBound).toBe(true);
    expect(f.keyframeIntervalMs).toBe(7560);
  });

  it('audio only, or nothing at all', () => {
    expect(streamFacts({ streams: [{ index: 0, codec_type: 'audio', codec_name: 'pcm_alaw' }], packets: [] }, 10)).toMatchObject({ videoCodec: null, audioCodec: 'pcm_alaw', measuredFps: null });
    expect(() => streamFacts({ streams: [], packets: [] }, 10)).toThrow(/neither video nor audio/);
  });
});
