/**
 * Reads the three pipes of a recording ffmpeg: fd 1 the segment list, fd 3 the progress
 * heartbeat, fd 2 its log. The log is redacted before anything keeps or prints it (ffmpeg
 * prints the input URL with its credentials), and logged at a bounded rate.
 */
import type { ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import { redactText } from '../core/redact.js';
import type { StreamInfo } from '../core/types.js';
import { classifyLogLine, parseSegmentListLine, ProgressReader, StreamInfoReader } from './ffmpeg-output.js';
import { onLines } from '../core/lines.js';

export interface ProgressSample {
  wallMs: number;
  frame: number | null;
  outTimeUs: number | null;
  fps: number | null;
}

export interface OutputHandlers {
  segment(fileName: string, startSeconds: number, endSeconds: number): void;
  progress(sample: ProgressSample): void;
}

/** Warnings per minute that reach the daemon's log; the rest are counted. */
const logLinesPerMinute = 20;

export class RunOutputReader {
  private readonly streamInfo = new StreamInfoReader();
  private readonly progress = new ProgressReader();
  private lastErrorText: string | null = null;
  private openedSeq: number | null = null;
  private windowStartMs = 0;
  private loggedInWindow = 0;
  private suppressed = 0;

  constructor(private readonly runKey: string, private readonly log: Logger, private readonly clock: Clock) {}

  attach(child: ChildProcess, on: OutputHandlers): void {
    const [, out, err, progress] = child.stdio as unknown as [unknown, Readable | null, Readable | null, Readable | null];
    if (out) onLines(out, (line) => {
      const entry = parseSegmentListLine(line);
      if (entry) on.segment(entry.fileName, entry.startSeconds, entry.endSeconds);
      else this.log.warn({ line: redactText(line) }, 'unparsed segment list line');
    });
    if (progress) onLines(progress, (line) => {
      const block = this.progress.push(line);
      if (block) on.progress({ wallMs: this.clock.nowMs(), frame: block.frame, outTimeUs: block.outTimeUs, fps: block.fps });
    });
    if (err) onLines(err, (line) => this.onLogLine(redactText(line)));
  }

  stream(): StreamInfo | null { return this.streamInfo.current(); }
  lastError(): string | null { return this.lastErrorText; }
  lastOpenedSeq(): number | null { return this.openedSeq; }
  noteError(text: string): void { this.lastErrorText = text; }

  private onLogLine(line: string): void {
    this.streamInfo.push(line);
    const { level, text } = classifyLogLine(line);
    const opened = /Opening '.*?([^/']+)' for writing/.exec(text);
    if (opened) this.noteOpened(opened[1]!);
    if (level === 'error' || level === 'fatal' || level === 'panic') this.lastErrorText = text.slice(0, 300);
    if (level === 'warning' || level === 'error' || level === 'fatal' || level === 'panic') this.logRateLimited(level, text);
    else this.log.debug({ ffmpeg: text }, 'ffmpeg');
  }

  private noteOpened(fileName: string): void {
    const prefix = `${this.runKey}-`;
    if (!fileName.startsWith(prefix)) return;
    const n = Number(fileName.slice(prefix.length, -4));
    if (Number.isInteger(n)) this.openedSeq = n;
  }

  private logRateLimited(level: string, text: string): void {
    const now = this.clock.monotonicMs();
    if (now - this.windowStartMs > 60_000) {
      if (this.suppressed > 0) this.log.warn({ suppressed: this.suppressed }, 'ffmpeg log lines suppressed in the last minute');
      this.windowStartMs = now;
      this.loggedInWindow = 0;
      this.suppressed = 0;
    }
    if (this.loggedInWindow >= logLinesPerMinute) { this.suppressed += 1; return; }
    this.loggedInWindow += 1;
    if (level === 'warning') this.log.warn({ ffmpeg: text }, 'ffmpeg warning');
    else this.log.error({ ffmpeg: text }, 'ffmpeg error');
  }
}
