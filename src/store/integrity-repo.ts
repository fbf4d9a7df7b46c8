/**
 * Integrity at rest, the store half (schema v6): sealing a segment row with its file hash
 * and the next link of its camera's chain, reading links back (rows and tombstones) for a
 * check, pruning verified tombstones, and the background check's bookkeeping. The chain
 * formula is the caller's (src/integrity/chain.ts): the store only keeps values.
 */
import type BetterSqlite3 from 'better-sqlite3';

/** The 64 zeros that stand before the first link of every chain. */
export const genesisChain = '0'.repeat(64);

/** What a segment's link commits to, besides the previous link. */
export interface ChainInput {
  readonly prev: string;
  readonly sha256: string;
  readonly startMs: number;
  readonly endMs: number;
  readonly cameraId: string;
  readonly relPath: string;
}

/** A segment row as sealing and checking need it. */
export interface SegmentSeal {
  readonly id: number;
  readonly cameraId: string;
  readonly relPath: string;
  readonly startMs: number;
  readonly endMs: number;
  readonly sizeBytes: number;
  readonly recovered: boolean;
  /** Null until sealed (so are the chain fields). */
  readonly sha256: string | null;
  readonly chainSeq: number | null;
  readonly chainPrev: string | null;
  readonly chain: string | null;
  readonly verifiedMs: number | null;
}

/** One position of a chain: a sealed row, or the tombstone of one that left. */
export interface ChainLink {
  readonly chainSeq: number;
  readonly chainPrev: string;
  readonly chain: string;
  readonly sha256: string;
  readonly startMs: number;
  readonly endMs: number;
  readonly relPath: string;
  /** 'row' while the segment is indexed; 'removed' for a tombstone. */
  readonly source: 'row' | 'removed';
  /** Tombstones: the retention rule that deleted the row, or null (removed outside retention). */
  readonly via: string | null;
  readonly removedMs: number | null;
}

export interface ChainHead {
  readonly cameraId: string;
  readonly headSeq: number;
  readonly head: string;
  readonly baseSeq: number;
  readonly base: string;
}

const sealColumns = `id, camera_id AS cameraId, rel_path AS relPath, start_ms AS startMs, end_ms AS endMs,
  size_bytes AS sizeBytes, recovered, sha256, chain_seq AS chainSeq, chain_prev AS chainPrev, chain, verified_ms AS verifiedMs`;
const headColumns = 'camera_id AS cameraId, head_seq AS headSeq, head, base_seq AS baseSeq, base';

type DbSeal = Omit<SegmentSeal, 'recovered'> & { recovered: number };
const toSeal = (r: DbSeal): SegmentSeal => ({ ...r, recovered: r.recovered === 1 });

export class IntegrityRepo {
  private readonly byIdStmt;
  private readonly byPathStmt;
  private readonly unsealedStmt;
  private readonly headStmt;
  private readonly headsStmt;
  private readonly setSealStmt;
  private readonly upsertHeadStmt;
  private readonly linksStmt;
  private readonly nextToVerifyStmt;
  private readonly markVerifiedStmt;
  private readonly sealedAfterStmt;
  private readonly unsealedCountStmt;
  private readonly pruneStmt;
  private readonly setBaseStmt;
  private readonly sealTx;
  private readonly pruneTx;

  constructor(db: BetterSqlite3.Database) {
    this.byIdStmt = db.prepare<[number], DbSeal>(`SELECT ${sealColumns} FROM segments WHERE id = ?`);
    this.byPathStmt = db.prepare<[string], DbSeal>(`SELECT ${sealColumns} FROM segments WHERE rel_path = ?`);
    this.unsealedStmt = db.prepare<{ cameraId: string | null; limit: number }, DbSeal>(
      `SELECT ${sealColumns} FROM segments WHERE sha256 IS NULL AND (@cameraId IS NULL OR camera_id = @cameraId) ORDER BY id LIMIT @limit`,
    );
    this.headStmt = db.prepare<[string], ChainHead>(`SELECT ${headColumns} FROM integrity_chains WHERE camera_id = ?`);
    this.headsStmt = db.prepare<[], ChainHead>(`SELECT ${headColumns} FROM integrity_chains ORDER BY camera_id`);
    // Sealing reads the whole file: it counts as its first verification.
    this.setSealStmt = db.prepare<[string, number, string, string, number, number]>(
      'UPDATE segments SET sha256 = ?, chain_seq = ?, chain_prev = ?, chain = ?, verified_ms = ? WHERE id = ? AND sha256 IS NULL',
    );
    this.upsertHeadStmt = db.prepare<[string, number, string, string]>(
      `INSERT INTO integrity_chains (camera_id, head_seq, head, base_seq, base) VALUES (?, ?, ?, 0, ?)
       ON CONFLICT (camera_id) DO UPDATE SET head_seq = excluded.head_seq, head = excluded.head`,
    );
    // Rows and tombstones of one camera in chain order, from a position on (keyset paging).
    this.linksStmt = db.prepare<{ cameraId: string; afterSeq: number; limit: number }, ChainLink>(
      `SELECT chain_seq AS chainSeq, chain_prev AS chainPrev, chain, sha256, start_ms AS startMs, end_ms AS endMs,
         rel_path AS relPath, 'row' AS source, NULL AS via, NULL AS removedMs
       FROM segments WHERE camera_id = @cameraId AND chain_seq > @afterSeq
       UNION ALL
       SELECT chain_seq, chain_prev, chain, sha256, start_ms, end_ms, rel_path, 'removed', via, removed_ms
       FROM integrity_removed WHERE camera_id = @cameraId AND chain_seq > @afterSeq
       ORDER BY chainSeq LIMIT @limit`,
    );
    this.nextToVerifyStmt = db.prepare<[number], DbSeal>(
      `SELECT ${sealColumns} FROM segments WHERE sha256 IS NOT NULL ORDER BY verified_ms, id LIMIT ?`,
    );
    this.markVerifiedStmt = db.prepare<[number, number]>('UPDATE segments SET verified_ms = ? WHERE id = ?');
    this.sealedAfterStmt = db.prepare<[number, number], DbSeal>(
      `SELECT ${sealColumns} FROM segments WHERE id > ? AND sha256 IS NOT NULL ORDER BY id LIMIT ?`,
    );
    this.unsealedCountStmt = db.prepare<[], { cameraId: string; count: number; oldestMs: number }>(
      'SELECT camera_id AS cameraId, count(*) AS count, min(start_ms) AS oldestMs FROM segments WHERE sha256 IS NULL GROUP BY camera_id',
    );
    this.pruneStmt = db.prepare<[string, number]>('DELETE FROM integrity_removed WHERE camera_id = ? AND chain_seq <= ?');
    this.setBaseStmt = db.prepare<[number, string, string]>('UPDATE integrity_chains SET base_seq = ?, base = ? WHERE camera_id = ?');
    this.sealTx = db.transaction((id: number, sha256: string, chainOf: (c: ChainInput) => string, nowMs: number) => this.sealNow(id, sha256, chainOf, nowMs));
    this.pruneTx = db.transaction((cameraId: string, uptoSeq: number, base: string) => {
      this.pruneStmt.run(cameraId, uptoSeq);
      this.setBaseStmt.run(uptoSeq, base, cameraId);
    });
  }

  /**
   * Seal an unsealed row: the next position of its camera's chain, in one IMMEDIATE
   * transaction with the head, so two seals never take the same position. Returns the
   * sealed row, or null when the row is gone or was sealed meanwhile.
   */
  seal(id: number, sha256: string, chainOf: (c: ChainInput) => string, nowMs: number): SegmentSeal | null {
    return this.sealTx.immediate(id, sha256, chainOf, nowMs);
  }

  private sealNow(id: number, sha256: string, chainOf: (c: ChainInput) => string, nowMs: number): SegmentSeal | null {
    const row = this.byIdStmt.get(id);
    if (!row || row.sha256 !== null) return null;
    const head = this.headStmt.get(row.cameraId);
    const prev = head?.head ?? genesisChain;
    const seq = (head?.headSeq ?? 0) + 1;
    const chain = chainOf({ prev, sha256, startMs: row.startMs, endMs: row.endMs, cameraId: row.cameraId, relPath: row.relPath });
    this.setSealStmt.run(sha256, seq, prev, chain, nowMs, id);
    this.upsertHeadStmt.run(row.cameraId, seq, chain, genesisChain);
    return toSeal({ ...row, sha256, chainSeq: seq, chainPrev: prev, chain, verifiedMs: nowMs });
  }

  byId(id: number): SegmentSeal | undefined {
    const r = this.byIdStmt.get(id);
    return r && toSeal(r);
  }

  byPath(relPath: string): SegmentSeal | undefined {
    const r = this.byPathStmt.get(relPath);
    return r && toSeal(r);
  }

  /** Rows waiting for a seal, oldest row first (of one camera, or of all). */
  unsealed(limit: number, cameraId: string | null = null): SegmentSeal[] {
    return this.unsealedStmt.all({ cameraId, limit }).map(toSeal);
  }

  unsealedCounts(): { cameraId: string; count: number; oldestMs: number }[] {
    return this.unsealedCountStmt.all();
  }

  head(cameraId: string): ChainHead | undefined {
    return this.headStmt.get(cameraId);
  }

  heads(): ChainHead[] {
    return this.headsStmt.all();
  }

  /** Up to `limit` links of a camera after position `afterSeq`, in chain order. */
  links(cameraId: string, afterSeq: number, limit: number): ChainLink[] {
    return this.linksStmt.all({ cameraId, afterSeq, limit });
  }

  /** Drop tombstones up to `uptoSeq` (verified by the caller) and make `base` the new base. */
  prune(cameraId: string, uptoSeq: number, base: string): void {
    this.pruneTx.immediate(cameraId, uptoSeq, base);
  }

  /** Sealed rows the background check should re-read next (never verified first). */
  nextToVerify(limit: number): SegmentSeal[] {
    return this.nextToVerifyStmt.all(limit).map(toSeal);
  }

  markVerified(id: number, nowMs: number): void {
    this.markVerifiedStmt.run(nowMs, id);
  }

  /** Sealed rows by id, after `afterId` (fsck walks all of them in pages). */
  sealedAfter(afterId: number, limit: number): SegmentSeal[] {
    return this.sealedAfterStmt.all(afterId, limit).map(toSeal);
  }
}
