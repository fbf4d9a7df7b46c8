/**
 * Splits a child's output stream into lines (or records ended by another delimiter) with
 * a cap on the pending buffer, so a child that writes megabytes without a delimiter
 * cannot grow our memory (every per-camera buffer is bounded).
 */
import type { Readable } from 'node:stream';

export function onLines(stream: Readable, onLine: (line: string) => void, maxLineBytes = 64 * 1024): void {
  let pending = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    pending += chunk;
    let nl: number;
    while ((nl = pending.search(/\r?\n|\r/)) >= 0) {
      const line = pending.slice(0, nl);
      pending = pending.slice(pending[nl] === '\r' && pending[nl + 1] === '\n' ? nl + 2 : nl + 1);
      if (line.length > 0) onLine(line);
    }
    if (pending.length > maxLineBytes) pending = pending.slice(-maxLineBytes);
  });
  stream.on('end', () => {
    if (pending.length > 0) onLine(pending);
    pending = '';
  });
}

/** Records ended by `delimiter` (inotifywait's NUL, for instance); empty ones included. */
export function onDelimited(stream: Readable, delimiter: string, onRecord: (record: string) => void, maxRecordBytes = 64 * 1024): void {
  let pending = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    pending += chunk;
    let end: number;
    while ((end = pending.indexOf(delimiter)) >= 0) {
      const record = pending.slice(0, end);
      pending = pending.slice(end + delimiter.length);
      onRecord(record);
    }
    if (pending.length > maxRecordBytes) pending = pending.slice(-maxRecordBytes);
  });
}
