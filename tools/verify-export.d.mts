/** Types of tools/verify-export.mjs (the standalone verifier, plain JavaScript by design). */
export interface Check {
  ok: boolean;
  /** The file (or 'tar', 'box key', ...) the check is about. */
  subject: string;
  message: string;
}

export interface VerifyResult {
  ok: boolean;
  packagePath: string;
  checks: Check[];
  /** The parsed manifest.json, when it could be read. */
  manifest: unknown;
  /** SHA-256 of the signing public key, when the manifest named one. */
  fingerprint: string | null;
}

export const packageFormat: string;
export function verifyPackage(packagePath: string, opts?: { fingerprint?: string }): Promise<VerifyResult>;
export function formatReport(result: VerifyResult): string;
export function runCli(argv: string[], out?: (line: string) => void): Promise<number>;
