import { describe, expect, it } from 'vitest';
import { buildRecorderArgs, progressPeriodFor } from '../src/recorder/ffmpeg-args.js';
import { classifyLogLine, parseSegmentListLine, ProgressReader, StreamInfoReader } from '../src/recorder/ffmpeg-output.js';
import { RestartPolicy } from '../src/recorder/restart-policy.js';
import { ClockWatch } from '../src/recorder/clock-watch.js';
import { ManualClock } from '../src/core/clock.js';
import { makeRunKey, runKeySpawnedMs, segmentFilePattern } from '../src/core/types.js';

// Captured from ffmpeg 5.1 recording the project's gst test camera (stream with G.711 audio).
const capturedStderr = `[info] Input #0, rtsp, from 'rtsp://u:pw@127.0.0.1:8599/cam':
[info]   Metadata:
[info]     title           : Session streamed with GStreamer
[info]   Duration: N/A, start: 0.000000, bitrate: N/A
[info]   Stream #0:0: Video: h264 (Constrained Baseline), yuv420p(tv, smpte170m, progressive), 640x360 [SAR 1:1 DAR 16:9], 25 fps, 25 tbr, 90k tbn
[info]   Stream #0:1: Audio: pcm_mulaw, 8000 Hz, mono, s16, 64 kb/s
[info] Stream mapping:
[info]   Stream #0:0 -> #0:0 (copy)
[segment @ 0x559571e47100] [info] Opening 'out/r1-000001.mp4' for writing
[info] Output #0, segment, to 'out/r1-%06d.mp4':
[info]   Stream #0:0: Video: h264 (Constrained Baseline), yuv420p(tv, smpte170m, progressive), 1920x1080, q=2-31, 30 fps
[info]   Stream #0:1: Audio: aac (LC), 8000 Hz, mono, fltp, 32 kb/s`;

describe('ffmpeg output parsers', () => {
  it('parses segment list CSV lines, quoted or not', () => {
    expect(parseSegmentListLine('r1-000001.mp4,0.000000,3.133437')).toEqual({ fileName: 'r1-000001.mp4', startSeconds: 0, endSeconds: 3.133437 });
    expect(parseSegmentListLine('"a,b-000002.mp4",3.1,6.2')).toEqual({ fileName: 'a,b-000002.mp4', startSeconds: 3.1, endSeconds: 6.2 });
    expect(parseSegmentListLine('garbage')).toBeNull();
    expect(parseSegmentListLine('x.mp4,5,4')).toBeNull();
  });

  it('reads progress blocks and treats N/A as unknown', () => {
    const reader = new ProgressReader();
    const lines = ['frame=54', 'fps=51.99', 'total_size=N/A', 'out_time_us=2125469', 'progress=continue'];
    const blocks = lines.map((l) => reader.push(l)).filter((b) => b !== null);
    expect(blocks).toEqual([{ frame: 54, outTimeUs: 2125469, fps: 51.99, ended: false }]);
    expect(reader.push('out_time_us=N/A')).toBeNull();
    expect(reader.push('progress=end')).toEqual({ frame: null, outTimeUs: null, fps: null, ended: true });
  });

  it('takes the stream description from the input section only', () => {
    const reader = new StreamInfoReader();
    expect(reader.current()).toBeNull();
    for (const line of capturedStderr.split('\n')) reader.push(line);
    expect(reader.current()).toEqual({ videoCodec: 'h264', width: 640, height: 360, fps: 25, audioCodec: 'pcm_mulaw' });
  });

  it('classifies log levels with and without a component prefix', () => {
    expect(classifyLogLine('[segment @ 0x55] [warning] Timestamps are unset')).toEqual({ level: 'warning', text: '[segment] Timestamps are unset' });
    expect(classifyLogLine('[error] Connection refused')).toEqual({ level: 'error', text: 'Connection refused' });
  });
});

describe('recorder command line', () => {
  const base = { url: 'rtsp://u:p@cam/1', rtspTimeoutSeconds: 5, segmentSeconds: 60, outputPattern: '/d/r-%06d.mp4', tagHevcAsHvc1: false, progressPeriodSeconds: 1 };
  it('copies video, converts audio to AAC, writes flushed fMP4 and a CSV segment list', () => {
    const args = buildRecorderArgs({ ...base, audio: 'aac' }).join(' ');
    expect(args).toContain('-rtsp_transport tcp -timeout 5000000 -i rtsp://u:p@cam/1');
    expect(args).toContain('-c:v copy');
    expect(args).toContain('-c:a aac');
    expect(args).toContain('movflags=+frag_keyframe+empty_moov+default_base_moof:flush_packets=1');
    expect(args).toContain('-segment_list pipe:1 -segment_list_type csv');
    expect(args).not.toMatch(/-c:v (?!copy)/);
  });
  it('drops audio when told, and tags HEVC as hvc1 only when asked', () => {
    expect(buildRecorderArgs({ ...base, audio: 'off' })).toContain('-an');
    expect(buildRecorderArgs({ ...base, audio: 'off' })).not.toContain('hvc1');
    expect(buildRecorderArgs({ ...base, audio: 'off', tagHevcAsHvc1: true }).join(' ')).toContain('-tag:v hvc1');
  });
  it('reports progress every third of the stall timeout, 1 to 5 s: three reports or more before a stall is declared', () => {
    expect(buildRecorderArgs({ ...base, audio: 'off', progressPeriodSeconds: 3 }).join(' ')).toContain('-progress pipe:3 -stats_period 3');
    expect([2_000, 4_000, 8_000, 15_000, 20_000, 60_000].map(progressPeriodFor)).toEqual([1, 1, 2, 5, 5, 5]);
    for (const stallMs of [3_000, 5_000, 15_000, 3_600_000]) expect(stallMs / 1000 / progressPeriodFor(stallMs)).toBeGreaterThanOrEqual(3);
  });
});

describe('restart policy', () => {
  const settings = { initialMs: 1000, maxMs: 8000, maxRestartsPerHour: 3 };
  it('backs off exponentially with jitter up to the cap and resets after a healthy run', () => {
    const policy = new RestartPolicy(settings, () => 1);
    expect([1, 2, 3, 4, 5].map(() => policy.nextDelay(0).delayMs)).toEqual([1000, 2000, 4000, 8000, 8000]);
    policy.noteHealthy();
    expect(policy.nextDelay(0).delayMs).toBe(1000);
    const low = new RestartPolicy(settings, () => 0);
    expect(low.nextDelay(0).delayMs).toBe(1000);
  });
  it('waits for the hourly window once the budget is spent', () => {
    const policy = new RestartPolicy(settings, () => 0);
    for (const t of [0, 10, 20]) { policy.nextDelay(t); policy.noteRestart(t); }
    const next = policy.nextDelay(30);
    expect(next.limited).toBe(true);
    expect(next.delayMs).toBe(3_600_000 - 30);
    expect(policy.nextDelay(3_600_001).limited).toBe(false);
  });
});

describe('clock step watch', () => {
  it('reports a wall-clock step beyond the tolerance once, with old and new offsets', () => {
    const clock = new ManualClock(1_000_000, 0);
    const watch = new ClockWatch(clock, 3000);
    clock.advance(10_000);
    expect(watch.check()).toBeNull();
    clock.stepWall(2000);
    expect(watch.check()).toBeNull();
    clock.stepWall(-60_000);
    expect(watch.check()).toEqual({ oldOffsetMs: 1_000_000, newOffsetMs: 942_000, stepMs: -58_000 });
    expect(watch.check()).toBeNull();
  });
});

describe('run keys and segment names', () => {
  it('encode the spawn time, never collide on the same millisecond, and match the file pattern', () => {
    const t = Date.UTC(2026, 10, 28, 17, 41, 12, 345);
    let i = 0;
    const a = makeRunKey(t, () => [0.1, 0.9][i++ % 2]!);
    const b = makeRunKey(t, () => [0.1, 0.9][i++ % 2]!);
    expect(a).toMatch(/^20261128T174112345Z-[a-z0-9]{4}$/);
    expect(a).not.toBe(b);
    expect(runKeySpawnedMs(a)).toBe(t);
    expect(segmentFilePattern.exec(`${a}-000001.mp4`)?.[1]).toBe(a);
    expect(runKeySpawnedMs('nope')).toBeNull();
  });
});
