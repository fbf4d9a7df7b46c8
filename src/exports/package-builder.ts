/**
 * Builds one export package from scratch, in a staging folder next to the final .tar:
 * clips (the clip service's stream copy, hashed as written), the source segments re-read
 * and compared with their seals, the standalone verifier, the sealing record, the
 * manifest and its Ed25519 signature, then one .tar written and fsynced under a
 * temporary name and renamed. A run cut short (crash, shutdown) leaves only staging files,
 * which the next run deletes first: the package appears whole or not at all.
 */
import { createHash } from 'node:crypto';
import { copyFile, mkdir, open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ClipPlan, ClipService } from '../clips/clip-service.js';
import type { RecordingsService } from '../clips/recordings.js';
import type { Clock } from '../core/clock.js';
import { isNvrError, NvrError } from '../core/errors.js';
import type { BoxIdentity } from '../identity/box-identity.js';
import { checkFile } from '../integrity/checks.js';
import type { Store } from '../store/db.js';
import type { ExportJobRow, FinishedPackage } from '../store/exports-repo.js';
import {
  clockEntry, instant, manifestWarnings, packageFormat, spanOf,
  type CameraFacts, type Manifest, type ManifestCamera, type ManifestFile, type ManifestSegment,
} from './manifest.js';
import type { Work } from './progress.js';
import { sealingRecordHtml } from './sealing-record.js';
import { TarWriter } from './tar.js';

export interface PackageDeps {
  readonly store: Store;
  readonly clips: Pick<ClipService, 'plan' | 'open'>;
  readonly recordings: Pick<RecordingsService, 'coverage'>;
  readonly identity: BoxIdentity;
  readonly cameraFacts: (cameraId: string) => CameraFacts;
  /** Seal what is still unsealed of a camera, so every source segment has its hash. */
  readonly sealPending: (cameraId: string) => Promise<unknown>;
  readonly recordingsDir: string;
  readonly exportsDir: string;
  /** tools/verify-export.mjs, copied into every package. */
  readonly verifierFile: string;
  readonly version: string;
  readonly clock: Clock;
}

export const recordFile = 'bien-ban-niem-phong.html';
export const verifierName = 'verify-export.mjs';

export function packageName(boxId: string, exportId: number): string {
  return `export-${boxId}-${exportId}`;
}

/** Delete what a run of the job left half-built (staging folder, unfinished .tar). */
export async function discardPartial(deps: Pick<PackageDeps, 'identity' | 'exportsDir'>, exportId: number): Promise<void> {
  const name = packageName(deps.identity.boxId, exportId);
  await rm(path.join(deps.exportsDir, `${name}.partial`), { recursive: true, force: true });
  await rm(path.join(deps.exportsDir, `${name}.tar.partial`), { force: true });
}

export async function buildPackage(deps: PackageDeps, job: ExportJobRow, work: Work): Promise<FinishedPackage> {
  const name = packageName(deps.identity.boxId, job.id);
  const staging = path.join(deps.exportsDir, `${name}.partial`);
  const tarFile = path.join(deps.exportsDir, `${name}.tar`);
  await discardPartial(deps, job.id);
  await mkdir(path.join(staging, 'clips'), { recursive: true, mode: 0o750 });
  for (const cameraId of job.cameraIds) await deps.sealPending(cameraId);
  const plans = await Promise.all(job.cameraIds.map((id) => planOrNull(deps, id, job)));
  work.setTotal(plans.reduce((n, p) => n + (p ? 2 * clipBytesOf(p) + sourceBytesOf(p) : 0), 0));
  const cameras: ManifestCamera[] = [];
  const files: ManifestFile[] = [];
  for (const [i, cameraId] of job.cameraIds.entries()) {
    const plan = plans[i] ?? null;
    const clip = plan ? await writeClip(deps, plan, path.join(staging, 'clips', `${cameraId}.mp4`), work) : null;
    if (clip) files.push({ path: `clips/${cameraId}.mp4`, ...clip });
    cameras.push(await describeCamera(deps, job, cameraId, plan, work));
  }
  await copyFile(deps.verifierFile, path.join(staging, verifierName)).catch((err: unknown) => {
    throw new NvrError('UNAVAILABLE', `the standalone verifier ${deps.verifierFile} is missing from this installation (${(err as Error).message}); every package must carry it`);
  });
  files.push(await describeFile(staging, verifierName));
  const manifest = baseManifest(deps, job, cameras);
  await writeFile(path.join(staging, recordFile), sealingRecordHtml(manifest, files));
  files.push(await describeFile(staging, recordFile));
  const manifestBytes = Buffer.from(`${JSON.stringify({ ...manifest, files }, null, 2)}\n`, 'utf8');
  await writeFile(path.join(staging, 'manifest.json'), manifestBytes);
  await writeFile(path.join(staging, 'manifest.sig'), `${deps.identity.sign(manifestBytes).toString('hex')}\n`);
  const entries = ['manifest.json', 'manifest.sig', recordFile, verifierName, ...files.filter((f) => f.path.startsWith('clips/')).map((f) => f.path)];
  const tar = await writeTar(`${tarFile}.partial`, name, staging, entries, deps.clock.nowMs(), work);
  await rename(`${tarFile}.partial`, tarFile);
  await rm(staging, { recursive: true, force: true });
  return { packageFile: path.basename(tarFile), packageBytes: tar.sizeBytes, packageSha256: tar.sha256, manifestSha256: sha256(manifestBytes) };
}

async function planOrNull(deps: PackageDeps, cameraId: string, job: ExportJobRow): Promise<ClipPlan | null> {
  try {
    return await deps.clips.plan(cameraId, job.fromMs, job.toMs);
  } catch (err) {
    if (isNvrError(err) && err.code === 'NOTHING_RECORDED') return null;
    throw err;
  }
}

const sourceBytesOf = (p: ClipPlan) => p.segments.reduce((n, s) => n + s.sizeBytes, 0);
const clipBytesOf = (p: ClipPlan) => p.lengthBytes ?? sourceBytesOf(p);
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** The clip's bytes to a file, hashed on the way (no second read). */
async function writeClip(deps: PackageDeps, plan: ClipPlan, file: string, work: Work): Promise<{ sizeBytes: number; sha256: string }> {
  const rs = deps.clips.open(plan);
  const fh = await open(file, 'w', 0o640);
  const hash = createHash('sha256');
  let sizeBytes = 0;
  try {
    for await (const chunk of rs.stream as AsyncIterable<Buffer>) {
      await fh.write(chunk, 0, chunk.length, sizeBytes);
      hash.update(chunk);
      sizeBytes += chunk.length;
      await work.did(chunk.length);
    }
  } finally {
    rs.stream.destroy();
    await fh.close();
  }
  return { sizeBytes, sha256: hash.digest('hex') };
}

/** A camera's manifest entry: identity, ranges, gaps, and every source segment re-checked. */
async function describeCamera(deps: PackageDeps, job: ExportJobRow, cameraId: string, plan: ClipPlan | null, work: Work): Promise<ManifestCamera> {
  const facts = deps.cameraFacts(cameraId);
  const gaps = plan ? plan.gaps : deps.recordings.coverage(cameraId, job.fromMs, job.toMs).gaps;
  const segments: ManifestSegment[] = [];
  for (const s of plan?.segments ?? []) segments.push(await checkSource(deps, s.relPath, s.sizeBytes, work));
  return {
    id: cameraId,
    name: facts.name,
    onvif: { manufacturer: facts.manufacturer, model: facts.model, serialNumber: facts.serialNumber, firmwareVersion: facts.firmwareVersion },
    clockOffset: {
      ms: facts.clockOffsetMs,
      checkedAt: facts.clockOffsetCheckedMs === null ? null : instant(facts.clockOffsetCheckedMs),
      meaning: 'camera clock minus box clock; footage times are the box clock',
    },
    requested: spanOf(job.fromMs, job.toMs),
    actual: plan ? spanOf(plan.fromMs, plan.toMs) : null,
    durationMs: plan?.durationMs ?? 0,
    clip: plan ? `clips/${cameraId}.mp4` : null,
    clipMethod: plan?.method ?? null,
    gaps: gaps.map((g) => ({ from: instant(g.fromMs), to: instant(g.toMs), reason: g.reason })),
    segments,
  };
}

/** Re-read a source segment and compare it with its seal; a mismatch is also an integrity finding. */
async function checkSource(deps: PackageDeps, relPath: string, sizeBytes: number, work: Work): Promise<ManifestSegment> {
  const seal = deps.store.integrity.byPath(relPath);
  const base = { relPath, sizeBytes, recovered: seal?.recovered ?? false, sha256: seal?.sha256 ?? null, chainSeq: seal?.chainSeq ?? null, chainPrev: seal?.chainPrev ?? null, chain: seal?.chain ?? null };
  const times = seal ? { startMs: seal.startMs, endMs: seal.endMs, start: instant(seal.startMs).utc, end: instant(seal.endMs).utc } : { startMs: 0, endMs: 0, start: '', end: '' };
  if (!seal) return { ...base, ...times, check: 'missing-file' };
  if (seal.sha256 === null) return { ...base, ...times, check: 'unsealed' };
  const result = await checkFile(deps.store.integrity, deps.recordingsDir, seal, { pace: (n) => work.did(n) });
  if (result.finding) deps.store.findings.record(result.finding, deps.clock.nowMs());
  return { ...base, ...times, check: result.finding ? (result.finding.kind as ManifestSegment['check']) : 'ok' };
}

function baseManifest(deps: PackageDeps, job: ExportJobRow, cameras: ManifestCamera[]): Omit<Manifest, 'files'> {
  const { identity: id, store } = deps;
  const latest = store.clock.latest();
  const clock = { atExport: latest ? clockEntry(latest) : null, duringRange: store.clock.inForce(job.fromMs, job.toMs).map(clockEntry) };
  return {
    format: packageFormat,
    exportId: job.id,
    createdAt: instant(deps.clock.nowMs()),
    software: { name: 'commune-nvr', version: deps.version },
    box: { id: id.boxId, hostname: id.hostname, algorithm: 'Ed25519', publicKey: id.publicKeySpki, fingerprint: id.fingerprint },
    request: {
      cameras: job.cameraIds, range: spanOf(job.fromMs, job.toMs), caseNumber: job.caseNumber, reason: job.reason,
      exportedBy: job.createdBy, address: job.address, requestedAt: instant(job.createdMs),
    },
    clock,
    cameras,
    warnings: manifestWarnings(cameras, clock),
    signature: { algorithm: 'Ed25519', file: 'manifest.sig', over: 'the exact bytes of manifest.json' },
  };
}

async function describeFile(dir: string, rel: string): Promise<ManifestFile> {
  const bytes = await readFile(path.join(dir, rel));
  return { path: rel, sizeBytes: bytes.length, sha256: sha256(bytes) };
}

async function writeTar(file: string, top: string, staging: string, entries: string[], mtimeMs: number, work: Work) {
  const tar = await TarWriter.create(file, top, mtimeMs);
  try {
    for (const rel of entries) await tar.addFile(rel, path.join(staging, rel), (n) => work.did(n));
    work.check();
    return await tar.finish();
  } catch (err) {
    await tar.abandon();
    throw err;
  }
}
