/**
 * The part both still paths share: an ffmpeg that writes one JPEG to stdout. Its output is
 * collected with a size cap, a bounded stderr and a kill timer that can be armed later
 * (a warm process waits, unarmed, until a request hands it its input).
 */
import type { ChildProcess } from 'node:child_process';

/** The output side of every still ffmpeg: one frame, MJPEG at a fixed quality, on stdout. */
export const jpegOutputArgs = ['-frames:v', '1', '-c:v', 'mjpeg', '-q:v', '3', '-f', 'mjpeg', 'pipe:1'] as const;

/** Refuse absurd outputs: a 4K JPEG at -q:v 3 is a few MB. */
const maxJpegBytes = 32 * 1024 * 1024;

export interface JpegExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly jpeg: Buffer;
  /** The first 2 KB ffmpeg wrote on stderr, or the spawn error. */
  readonly stderr: string;
}

export interface JpegWatch {
  /** Resolves when the process is gone (never rejects). */
  readonly exited: Promise<JpegExit>;
  /** Kill the process with SIGKILL after `timeoutMs` unless it ended. */
  armTimer(timeoutMs: number): void;
}

/** Start collecting a spawned still ffmpeg's output (call right after spawning). */
export function watchJpeg(child: ChildProcess): JpegWatch {
  const chunks: Buffer[] = [];
  let size = 0;
  let stderr = '';
  let timer: NodeJS.Timeout | null = null;
  child.stdout?.on('data', (d: Buffer) => {
    size += d.length;
    if (size <= maxJpegBytes) chunks.push(d);
    else child.kill('SIGKILL');
  });
  child.stderr?.on('data', (d: Buffer) => { if (stderr.length < 2048) stderr += d.toString(); });
  // Writing to a process that already died raises EPIPE on stdin; the exit says why.
  child.stdin?.on('error', () => undefined);
  const exited = new Promise<JpegExit>((resolve) => {
    let spawnError = '';
    child.on('error', (err) => { spawnError = err.message; });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code, signal, jpeg: Buffer.concat(chunks), stderr: (stderr || spawnError).trim() });
    });
  });
  return {
    exited,
    armTimer(timeoutMs) {
      timer ??= setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    },
  };
}
