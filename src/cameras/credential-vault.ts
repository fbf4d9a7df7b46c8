/**
 * Camera credentials, kept apart from the index: one JSON file in the data dir, mode
 * 0600, rewritten atomically (temp file, fsync, rename) so a power cut leaves the old or
 * the new file, never half of one. A copy of the SQLite index (support, an export)
 * carries no password. Nothing here logs a value.
 */
import { closeSync, chmodSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import { NvrError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { Credentials } from './urls.js';

/** In the data dir, next to the index. */
export const credentialsFileName = 'camera-credentials.json';

interface VaultFile {
  version: 1;
  cameras: Record<string, Credentials>;
}

export class CredentialVault {
  private cameras = new Map<string, Credentials>();

  constructor(private readonly file: string, private readonly log: Logger) {}

  /** Read the file (a missing file is an empty vault); tighten its mode if someone loosened it. */
  load(): void {
    if (!existsSync(this.file)) return;
    const mode = statSync(this.file).mode & 0o777;
    if (mode !== 0o600) {
      chmodSync(this.file, 0o600);
      this.log.warn({ file: this.file, mode: mode.toString(8) }, 'camera credentials file was readable by others: mode set to 0600');
    }
    let parsed: VaultFile;
    try {
      parsed = JSON.parse(readFileSync(this.file, 'utf8')) as VaultFile;
    } catch (err) {
      throw new NvrError('INTERNAL', `camera credentials file ${this.file} is not valid JSON (${(err as Error).name}): restore it from a backup or re-enter the passwords`);
    }
    this.cameras = new Map(Object.entries(parsed.cameras ?? {}).filter(([, c]) => typeof c?.username === 'string' && typeof c.password === 'string'));
  }

  get(cameraId: string): Credentials | null {
    return this.cameras.get(cameraId) ?? null;
  }

  set(cameraId: string, credentials: Credentials | null): void {
    const next = new Map(this.cameras);
    if (credentials) next.set(cameraId, { username: credentials.username, password: credentials.password });
    else next.delete(cameraId);
    this.write(next);
    this.cameras = next;
  }

  delete(cameraId: string): void {
    if (this.cameras.has(cameraId)) this.set(cameraId, null);
  }

  private write(cameras: Map<string, Credentials>): void {
    const body: VaultFile = { version: 1, cameras: Object.fromEntries([...cameras].sort(([a], [b]) => a.localeCompare(b))) };
    const tmp = path.join(path.dirname(this.file), `.${path.basename(this.file)}.${process.pid}.tmp`);
    try { unlinkSync(tmp); } catch { /* none left over */ }
    // 'wx' + 0600: created fresh with the right mode, never readable by others even briefly.
    const fd = openSync(tmp, 'wx', 0o600);
    try {
      writeSync(fd, `${JSON.stringify(body, null, 2)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.file);
    const dir = openSync(path.dirname(this.file), 'r');
    try { fsyncSync(dir); } finally { closeSync(dir); }
  }
}
