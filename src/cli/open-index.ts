/**
 * The index as a command sees it: the daemon's SQLite file, opened next to a running
 * daemon (WAL lets both work; the data-dir lock is the daemon's alone). Logs go to
 * stderr at warn, so stdout carries only the command's own answer.
 */
import fs from 'node:fs';
import type { Config } from '../config/types.js';
import { createLogger } from '../core/logger.js';
import { dataPaths } from '../core/paths.js';
import { openStore, type Store } from '../store/db.js';

export function indexFileOf(config: Config): string {
  return dataPaths(config.storage.dataDir).databaseFile;
}

export function indexExists(config: Config): boolean {
  return fs.existsSync(indexFileOf(config));
}

/** Opens (creating and migrating if needed) the index, runs fn, closes it. */
export async function withIndex<T>(config: Config, fn: (store: Store) => T | Promise<T>): Promise<T> {
  const log = createLogger({ level: 'warn', destination: process.stderr });
  const store = openStore({ path: indexFileOf(config), log });
  try {
    return await fn(store);
  } finally {
    store.close();
  }
}
