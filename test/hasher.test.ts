/**
 * The file hasher's two read paths (through the thread pool; in place for a file just
 * written) must give the same digest, and the in-place path must not hold the event loop
 * for a whole file.
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { hashFile } from '../src/integrity/hasher.js';
import { tempDir } from './helpers/daemon.js';

const chunkBytes = 256 * 1024;

function writeFile(bytes: number): { file: string; sha256: string } {
  const data = randomBytes(bytes);
  const file = path.join(tempDir('nvr-hasher-'), 'seg.mp4');
  fs.writeFileSync(file, data);
  return { file, sha256: createHash('sha256').update(data).digest('hex') };
}

describe('hashFile', () => {
  it.each([false, true])('inPageCache=%s: the SHA-256 and size of the whole file, read in chunks', async (inPageCache) => {
    for (const bytes of [0, 1, chunkBytes, 10 * chunkBytes + 123]) {
      const { file, sha256 } = writeFile(bytes);
      const paced: number[] = [];
      const got = await hashFile(file, { inPageCache, chunkBytes, pace: async (n) => { paced.push(n); } });
      expect(got.sha256, `${bytes} bytes`).toBe(sha256);
      expect(got.sizeBytes).toBe(bytes);
      expect(paced.reduce((a, b) => a + b, 0)).toBe(bytes);
      expect(Math.max(0, ...paced)).toBeLessThanOrEqual(chunkBytes);
    }
  });

  it('in place, lets other work run between chunks', async () => {
    const { file } = writeFile(16 * chunkBytes);
    let turns = 0;
    let hashing = true;
    const spin = (): void => { if (hashing) { turns += 1; setImmediate(spin); } };
    setImmediate(spin);
    await hashFile(file, { inPageCache: true, chunkBytes });
    hashing = false;
    // Sixteen chunks, a turn of the loop after each: other callbacks ran during the hash
    // (a hash that read the whole file in one go would let none run).
    expect(turns).toBeGreaterThanOrEqual(15);
  });

  it.each([false, true])('inPageCache=%s: a missing file is ENOENT', async (inPageCache) => {
    await expect(hashFile(path.join(tempDir('nvr-hasher-'), 'gone.mp4'), { inPageCache })).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
