/**
 * The per-camera chain of segment hashes. Each sealed row commits to the chain value of
 * the position before it and to its own file hash, times, camera and path:
 *
 *   chain = sha256(prev + "\n" + sha256 + "\n" + startMs + "\n" + endMs + "\n" + cameraId + "\n" + relPath)
 *
 * (UTF-8, lower-case hex). Newlines separate the fields because none can contain one
 * (ids and paths are slugs), so two different rows never produce the same text. The same
 * formula is in tools/verify-export.mjs, which checks the links listed in an export.
 */
import { createHash } from 'node:crypto';
import type { ChainInput } from '../store/integrity-repo.js';

export type { ChainInput } from '../store/integrity-repo.js';
export { genesisChain } from '../store/integrity-repo.js';

export function chainValue(c: ChainInput): string {
  const text = `${c.prev}\n${c.sha256}\n${c.startMs}\n${c.endMs}\n${c.cameraId}\n${c.relPath}`;
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
