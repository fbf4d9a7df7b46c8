/**
 * Offline verification of export packages. The checks themselves live in the standalone
 * verifier, tools/verify-export.mjs, a single file that needs only Node and is copied into
 * every package: `nvr verify` runs that same code, so the box and an investigator's
 * laptop can never disagree about a package.
 *
 * Loaded on first use, not at import: an installation missing tools/ must still start
 * (its exports then fail, saying why) rather than fail to load the whole command line.
 */
import { fileURLToPath } from 'node:url';
import type { VerifyResult } from '../../tools/verify-export.mjs';

export type { Check, VerifyResult } from '../../tools/verify-export.mjs';

type Verifier = typeof import('../../tools/verify-export.mjs');

/** Where the standalone verifier is (src/verify and dist/verify both sit two levels under the repo root). */
export const standaloneVerifierFile: string = fileURLToPath(new URL('../../tools/verify-export.mjs', import.meta.url));

let loading: Promise<Verifier> | null = null;

export function loadVerifier(): Promise<Verifier> {
  loading ??= import('../../tools/verify-export.mjs');
  return loading;
}

export async function verifyPackage(packagePath: string, opts: { fingerprint?: string } = {}): Promise<VerifyResult> {
  return (await loadVerifier()).verifyPackage(packagePath, opts);
}
