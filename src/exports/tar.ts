/**
 * A minimal ustar writer for export packages: one top folder, regular files only, every
 * byte decided by us (mode 0644, uid/gid 0, one mtime), two zero blocks at the end and
 * nothing after. That strictness is what lets tools/verify-export.mjs reject a package
 * with any single byte changed, headers and padding included. Sizes of 8 GiB and more
 * use the GNU base-256 size field (a day of 4 Mbit/s video is ~43 GB).
 *
 * The SHA-256 of the whole archive is computed as it is written (no second read).
 */
import { createHash, type Hash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';

const block = 512;
const chunkBytes = 1 << 20;

export interface TarResult {
  readonly sizeBytes: number;
  readonly sha256: string;
}

export class TarWriter {
  private position = 0;
  private readonly hash: Hash = createHash('sha256');

  private constructor(private readonly fh: FileHandle, private readonly top: string, private readonly mtimeMs: number) {}

  /** Creates (or truncates) `file`; every entry goes under `top/`. */
  static async create(file: string, top: string, mtimeMs: number): Promise<TarWriter> {
    return new TarWriter(await open(file, 'w', 0o640), top, mtimeMs);
  }

  /** Append a file's bytes from disk; `onBytes` is awaited after each chunk (progress, pace). */
  async addFile(name: string, absPath: string, onBytes: (n: number) => Promise<void> | void = () => {}): Promise<void> {
    const src = await open(absPath, 'r');
    try {
      const sizeBytes = (await src.stat()).size;
      await this.write(header(this.top, name, sizeBytes, this.mtimeMs));
      const buf = Buffer.allocUnsafe(chunkBytes);
      for (let at = 0; at < sizeBytes;) {
        const { bytesRead } = await src.read(buf, 0, Math.min(chunkBytes, sizeBytes - at), at);
        if (bytesRead === 0) throw new Error(`${absPath} shrank while being packed (at byte ${at} of ${sizeBytes})`);
        await this.write(buf.subarray(0, bytesRead));
        at += bytesRead;
        await onBytes(bytesRead);
      }
      await this.write(Buffer.alloc(padding(sizeBytes)));
    } finally {
      await src.close();
    }
  }

  /** Two zero blocks, fsync, close. */
  async finish(): Promise<TarResult> {
    await this.write(Buffer.alloc(2 * block));
    await this.fh.sync();
    await this.fh.close();
    return { sizeBytes: this.position, sha256: this.hash.digest('hex') };
  }

  /** Close without finishing (the partial file is the caller's to delete). */
  async abandon(): Promise<void> {
    await this.fh.close().catch(() => undefined);
  }

  private async write(data: Buffer): Promise<void> {
    for (let done = 0; done < data.length;) {
      const { bytesWritten } = await this.fh.write(data, done, data.length - done, this.position);
      done += bytesWritten;
      this.position += bytesWritten;
    }
    this.hash.update(data);
  }
}

function padding(sizeBytes: number): number {
  return (block - (sizeBytes % block)) % block;
}

/** A ustar header: the top folder in `prefix`, the path inside it in `name`. */
export function header(top: string, name: string, sizeBytes: number, mtimeMs: number): Buffer {
  if (Buffer.byteLength(name) > 100 || Buffer.byteLength(top) > 155) throw new Error(`tar path too long: ${top}/${name}`);
  const h = Buffer.alloc(block);
  h.write(name, 0, 100, 'utf8');
  h.write('0000644\0', 100, 'latin1');
  h.write('0000000\0', 108, 'latin1');
  h.write('0000000\0', 116, 'latin1');
  sizeField(sizeBytes).copy(h, 124);
  h.write(`${octal(Math.floor(mtimeMs / 1000), 11)}\0`, 136, 'latin1');
  h.fill(0x20, 148, 156);
  h.write('0', 156, 'latin1');
  h.write('ustar\u000000', 257, 'latin1');
  h.write('0000000\0', 329, 'latin1');
  h.write('0000000\0', 337, 'latin1');
  h.write(top, 345, 155, 'utf8');
  const sum = h.reduce((n, b) => n + b, 0);
  h.write(`${octal(sum, 6)}\0 `, 148, 'latin1');
  return h;
}

function sizeField(sizeBytes: number): Buffer {
  const f = Buffer.alloc(12);
  if (sizeBytes < 8 ** 11) {
    f.write(`${octal(sizeBytes, 11)}\0`, 0, 'latin1');
    return f;
  }
  f[0] = 0x80;
  let v = BigInt(sizeBytes);
  for (let i = 11; i >= 1; i--) {
    f[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return f;
}

function octal(value: number, digits: number): string {
  return value.toString(8).padStart(digits, '0');
}
