/**
 * Splits a child's output stream into lines (or records ended by another delimiter) with
 * a cap on the pending buffer, so a child that writes megabytes without a delimiter
 * cannot grow our memory (every per-camera buffer is bounded).
 */
import type { Readable } from 'node:stream';

/** Lines ended by \n, \r\n or \r; empty lines are skipped and a last unended line is kept. */
export function onLines(stream: Readable, onLine: (line: string) => void, maxLineBytes = 64 * 1024): void {
  const rest = split(stream, (text) => {
    const at = text.search(/\r?\n|\r/);
    return at < 0 ? null : [at, text[at] === '\r' && text[at + 1] === '\n' ? 2 : 1];
  }, (line) => { if (line.length > 0) onLine(line); }, maxLineBytes);
  stream.on('end', () => {
    const last = rest();
    if (last.length > 0) onLine(last);
  });
}

/** Records ended by `delimiter` (inotifywait's NUL, for instance); empty ones included. */
export function onDelimited(stream: Readable, delimiter: string, onRecord: (record: string) => void, maxRecordBytes = 64 * 1024): void {
  split(stream, (text) => { const at = text.indexOf(delimiter); return at < 0 ? null : [at, delimiter.length]; }, onRecord, maxRecordBytes);
}

/**
 * The one splitter: `nextEnd` finds the next record's end as [index, delimiter length].
 * Returns a function that takes what is pending (and empties it).
 */
function split(stream: Readable, nextEnd: (text: string) => [number, number] | null, onRecord: (record: string) => void, maxBytes: number): () => string {
  let pending = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    pending += chunk;
    let end: [number, number] | null;
    while ((end = nextEnd(pending)) !== null) {
      const record = pending.slice(0, end[0]);
      pending = pending.slice(end[0] + end[1]);
      onRecord(record);
    }
    if (pending.length > maxBytes) pending = pending.slice(-maxBytes);
  });
  return () => { const rest = pending; pending = ''; return rest; };
}
