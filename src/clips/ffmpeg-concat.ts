/**
 * The fallback when recorded bytes cannot simply be joined (codec parameters or track
 * layout change inside the range): ffmpeg's concat demuxer with in/out points per file,
 * stream copy (never a transcode), fragmented MP4 to a pipe. Costs ~120-160 ms to the
 * first byte and 2-4x a plain read (dependencies.md 5.5), and the length is not known in
 * advance, so these answers carry no Content-Length and no byte ranges.
 */
import { Transform } from 'node:stream';
import type { Logger } from '../core/logger.js';
import type { Spawner } from '../core/spawn.js';
import type { RangeStream } from './virtual-file.js';

export interface ConcatItem {
  readonly absPath: string;
  /** Media seconds inside the file (its own timeline). */
  readonly inpointSec: number;
  readonly outpointSec: number;
}

/** The ffconcat script, read by ffmpeg from its stdin. */
export function concatScript(items: readonly ConcatItem[]): string {
  const quote = (p: string) => `'${p.replaceAll("'", "'\\''")}'`;
  const lines = ['ffconcat version 1.0'];
  for (const item of items) {
    lines.push(`file ${quote(`file:${item.absPath}`)}`, `inpoint ${item.inpointSec.toFixed(6)}`, `outpoint ${item.outpointSec.toFixed(6)}`);
  }
  return `${lines.join('\n')}\n`;
}

export function concatArgs(): string[] {
  return [
    '-hide_banner', '-nostdin', '-loglevel', 'error',
    // The list names local files only; `pipe` is for the list itself on stdin.
    '-protocol_whitelist', 'file,pipe', '-f', 'concat', '-safe', '0', '-i', 'pipe:0',
    '-map', '0', '-c', 'copy',
    '-movflags', '+frag_keyframe+empty_moov+default_base_moof', '-f', 'mp4', 'pipe:1',
  ];
}

export function runConcat(spawner: Spawner, ffmpegPath: string, items: readonly ConcatItem[], log: Logger): RangeStream {
  const child = spawner(ffmpegPath, concatArgs(), { stdio: ['pipe', 'pipe', 'pipe'], parentDeathSignal: 'KILL' });
  let produced = 0;
  let stderr = '';
  const out = new Transform({
    transform(chunk: Buffer, _enc, done) { produced += chunk.length; done(null, chunk); },
  });
  child.stderr!.on('data', (d: Buffer) => { if (stderr.length < 4096) stderr += d.toString(); });
  child.stdin!.on('error', () => undefined); // ffmpeg may exit before reading it all
  child.stdin!.end(concatScript(items));
  child.stdout!.pipe(out);
  child.on('error', (err) => out.destroy(err));
  child.on('close', (code, signal) => {
    if (code === 0 || out.destroyed) return;
    const why = `ffmpeg concat failed (exit ${String(code ?? signal)}): ${stderr.trim().slice(0, 300)}`;
    log.error({ code, signal }, why);
    out.destroy(new Error(why));
  });
  // The client went away: no one reads the rest, so stop ffmpeg at once.
  out.on('close', () => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); });
  return { stream: out, producedBytes: () => produced };
}
