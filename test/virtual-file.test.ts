/**
 * The byte stream of a virtual file, on its own and over a real loopback socket: the
 * bytes must equal a reference built in one piece (files read whole, patches applied),
 * whatever the consumer does. Piped into an HTTP response the stream reuses a few read
 * buffers once the socket has taken their bytes, so a slow client is the case that would
 * show a buffer reused too early; a client that goes away must leave no file open.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRange, virtualFile, type Part, type VirtualFile } from '../src/clips/virtual-file.js';
import { waitFor } from './helpers/daemon.js';

const MiB = 1 << 20;
let dir: string;
let file: VirtualFile;
let reference: Buffer;
let server: http.Server;
let baseUrl: string;
/** Streams the server has opened, to see them closed. */
const served: { closed: boolean }[] = [];

/** Odd sizes and offsets so chunks, parts and patches never line up. */
function makeFile(): VirtualFile {
  const paths = [0, 1, 2].map((i) => {
    const p = path.join(dir, `seg-${i}.mp4`);
    writeFileSync(p, randomBytes(5 * MiB + 12_345 * (i + 1)));
    return p;
  });
  const patch = (at: number, text: string) => ({ at, bytes: Buffer.from(text) });
  const parts: Part[] = [
    { kind: 'memory', data: Buffer.from('init bytes from memory') },
    // Patches on a chunk border (1 MiB from the part's start), at the start and at the end.
    { kind: 'file', absPath: paths[0]!, start: 777, end: 4 * MiB + 3, patches: [patch(0, 'AAAA'), patch(MiB - 2, 'BBBB'), patch(4 * MiB + 3 - 777 - 2, 'CC')] },
    { kind: 'file', absPath: paths[1]!, start: 0, end: 5 * MiB + 24_690, patches: [patch(2 * MiB + 5, 'DDDD'), patch(3 * MiB - 1, 'EE')] },
    { kind: 'memory', data: Buffer.from('a memory part between files') },
    { kind: 'file', absPath: paths[2]!, start: 1, end: 3 * MiB + 99, patches: [] },
  ];
  return virtualFile(parts);
}

/** The whole file built in one go, without the streaming code. */
function buildReference(f: VirtualFile): Buffer {
  return Buffer.concat(f.parts.map((p) => {
    if (p.kind === 'memory') return p.data;
    const bytes = readFileSync(p.absPath).subarray(p.start, p.end);
    for (const patch of p.patches) patch.bytes.copy(bytes, patch.at);
    return bytes;
  }));
}

/** Descriptors of this process open on the test's files (what a leak would leave). */
function openFilesUnder(root: string): number {
  return readdirSync('/proc/self/fd').filter((fd) => {
    try { return readlinkSync(`/proc/self/fd/${fd}`).startsWith(root); } catch { return false; }
  }).length;
}
/** Handles closed by the garbage collector instead of the code (Node warns when it does). */
const gcClosed: string[] = [];
const onWarning = (w: Error) => { if (/Closing file descriptor/.test(w.message)) gcClosed.push(w.message); };
/** Files are closed when the response ends, not whenever the GC runs: wait briefly. */
const filesClosed = (root: string) => waitFor(`files under ${root} closed`, () => openFilesUnder(root) === 0 || undefined, 3000, 20);

beforeAll(async () => {
  process.on('warning', onWarning);
  dir = mkdtempSync(path.join(os.tmpdir(), 'nvr-vfile-'));
  file = makeFile();
  reference = buildReference(file);
  server = http.createServer((req, res) => {
    const [start, end] = (req.url ?? '').slice(1).split('-').map(Number);
    const { stream } = openRange(file, start, end);
    const seen = { closed: false };
    served.push(seen);
    stream.on('close', () => { seen.closed = true; });
    stream.on('error', () => res.destroy());
    res.setHeader('content-length', end! - start!);
    stream.pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  process.off('warning', onWarning);
  expect(gcClosed).toEqual([]);
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

/** GET bytes [start, end); `pauseMs` after every chunk makes a slow client. */
function fetchRange(start: number, end: number, pauseMs = 0): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    http.get(`${baseUrl}/${start}-${end}`, { agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => {
        chunks.push(d);
        if (pauseMs > 0) { res.pause(); setTimeout(() => res.resume(), pauseMs); }
      });
      res.on('end', () => resolve(Buffer.concat(chunks)));
      res.on('error', reject);
    }).on('error', reject);
  });
}

describe('openRange', () => {
  it('reads any range byte-exactly as a plain Readable', async () => {
    expect(file.lengthBytes).toBe(reference.length);
    for (const [s, e] of [[0, file.lengthBytes], [5, 23], [MiB - 3, 3 * MiB + 7], [file.lengthBytes - 10, file.lengthBytes]] as const) {
      const chunks: Buffer[] = [];
      for await (const c of openRange(file, s, e).stream) chunks.push(c as Buffer);
      expect(Buffer.concat(chunks).equals(reference.subarray(s, e))).toBe(true);
    }
  });

  it('sends the exact bytes to a fast and to a slow HTTP client, whole and in ranges', async () => {
    expect((await fetchRange(0, file.lengthBytes)).equals(reference)).toBe(true);
    // Slow: the socket stays full, so every buffer waits for the kernel before reuse.
    expect((await fetchRange(0, file.lengthBytes, 2)).equals(reference)).toBe(true);
    expect((await fetchRange(MiB + 17, 9 * MiB + 1, 1)).equals(reference.subarray(MiB + 17, 9 * MiB + 1))).toBe(true);
    const together = await Promise.all([fetchRange(0, file.lengthBytes, 1), fetchRange(3, 4 * MiB), fetchRange(2 * MiB, file.lengthBytes)]);
    expect(together[0].equals(reference)).toBe(true);
    expect(together[1].equals(reference.subarray(3, 4 * MiB))).toBe(true);
    expect(together[2].equals(reference.subarray(2 * MiB))).toBe(true);
    await waitFor('every stream closed', () => served.every((s) => s.closed) || undefined);
    await filesClosed(dir);
  });

  it('closes its files when the client goes away in the middle', async () => {
    const before = served.length;
    await new Promise<void>((resolve, reject) => {
      const req = http.get(`${baseUrl}/0-${file.lengthBytes}`, { agent: false }, (res) => {
        let got = 0;
        res.on('data', (d: Buffer) => {
          got += d.length;
          // Stop reading, then hang up once the server had to wait on the socket.
          if (got > 2 * MiB) { res.pause(); setTimeout(() => { req.destroy(); resolve(); }, 50); }
        });
      });
      req.on('error', (err) => { if (!req.destroyed) reject(err); });
    });
    await waitFor('the cut-off stream closed', () => served.slice(before).every((s) => s.closed) || undefined, 3000, 20);
    await filesClosed(dir);
  });

  it('cuts the response off when a file shrank after indexing, and closes its files', async () => {
    const shrunk = mkdtempSync(path.join(os.tmpdir(), 'nvr-vfile-shrunk-'));
    const p = path.join(shrunk, 'seg.mp4');
    writeFileSync(p, randomBytes(4 * MiB));
    const f = virtualFile([{ kind: 'file', absPath: p, start: 0, end: 4 * MiB, patches: [] }]);
    truncateSync(p, 2 * MiB + 5);
    const errors: string[] = [];
    const s = http.createServer((_req, res) => {
      const { stream } = openRange(f);
      stream.on('error', (err) => { errors.push(err.message); res.destroy(); });
      res.setHeader('content-length', f.lengthBytes);
      stream.pipe(res);
    });
    await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
    const outcome = await new Promise<string>((resolve) => {
      http.get(`http://127.0.0.1:${(s.address() as AddressInfo).port}/`, { agent: false }, (res) => {
        res.on('data', () => undefined);
        res.on('end', () => resolve('complete'));
        res.on('error', (err) => resolve(err.message));
      }).on('error', (err) => resolve(err.message));
    });
    expect(outcome).not.toBe('complete');
    expect(errors.join()).toMatch(/ended early at byte 2097157/);
    await new Promise((resolve) => s.close(resolve));
    await filesClosed(shrunk);
    rmSync(shrunk, { recursive: true, force: true });
  });
});
