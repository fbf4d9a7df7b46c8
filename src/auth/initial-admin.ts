/**
 * First start: a box with no users gets an admin named 'admin' with a random password,
 * written to <dataDir>/initial-admin-password (mode 0600, readable by root and the
 * daemon's user only). The log names the file, never the password.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Logger } from '../core/logger.js';
import type { AccountsPort } from './types.js';

export const initialAdminName = 'admin';
export const initialAdminFileName = 'initial-admin-password';

/** Returns the file written, or null when users already exist. */
export async function ensureInitialAdmin(accounts: AccountsPort, dataDir: string, log: Logger): Promise<string | null> {
  if (accounts.list().length > 0) return null;
  const password = randomBytes(18).toString('base64url'); // 144 bits, 24 characters
  const file = path.join(dataDir, initialAdminFileName);
  // A fresh file ('wx') so the mode is ours even if an old copy had another one.
  fs.rmSync(file, { force: true });
  fs.writeFileSync(file, `${password}\n`, { mode: 0o600, flag: 'wx' });
  await accounts.create({ username: initialAdminName, password, role: 'admin' });
  log.warn({ file }, `first start: created user '${initialAdminName}' (admin); its password is in ${file}: log in, change the password, then delete the file`);
  return file;
}
