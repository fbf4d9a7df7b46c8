/**
 * The storage figures behind health: free space against the floor, bandwidth, projected
 * hours of recording left, bytes and days kept per camera, bytes under hold, deletions
 * and failed deletions, the pause, and what the recordings watcher noticed. Rebuilt by
 * every retention pass, so reading it costs nothing. `exports` is the export side's own
 * figure (packages on disk, from the index; expiry counters), so an admin sees the space
 * evidence packages take next to the footage's.
 */
import Type from 'typebox';
import type { ApiDeps } from '../deps.js';
import { Nullable, type ApiApp } from '../schemas.js';

const Int = Type.Integer();
const Num = Type.Number();

const CameraStorage = Type.Object({
  cameraId: Type.String(),
  segments: Int,
  bytes: Int,
  heldBytes: Int,
  oldestMs: Nullable(Int),
  newestMs: Nullable(Int),
  retainedDays: Num,
  maxAgeDays: Int,
  maxBytes: Nullable(Int),
  bytesPerSecond: Int,
});

const ExportsStorage = Type.Object({
  packages: Int,
  bytes: Int,
  keepDays: Int,
  expired: Int,
  deleteFailures: Int,
  lastDeleteError: Nullable(Type.String()),
}, { description: 'finished export packages on disk (<dataDir>/exports) and their expiry (exports.keepDays; 0 = kept until deleted)' });

export const StorageBody = Type.Object({
  atMs: Int,
  totalBytes: Nullable(Int),
  availableBytes: Nullable(Int),
  floorBytes: Nullable(Int),
  targetBytes: Nullable(Int),
  bytesPerSecond: Int,
  footageBytes: Int,
  heldBytes: Int,
  recordableHours: Nullable(Num),
  projectedDaysLeft: Nullable(Num),
  hoursUntilFloor: Nullable(Num),
  warnHoursLeft: Int,
  paused: Nullable(Type.Object({ sinceMs: Int, reason: Type.String() })),
  deletedSegments: Type.Object({ age: Int, quota: Int, pressure: Int }),
  deletedBytes: Int,
  deleteFailures: Int,
  lastDeleteError: Nullable(Type.String()),
  garbagePending: Int,
  garbageFailing: Int,
  passErrors: Int,
  diskError: Nullable(Type.String()),
  cameras: Type.Array(CameraStorage),
  watcher: Type.Object({
    removedByHand: Int,
    foreignFiles: Int,
    recentForeign: Type.Array(Type.String()),
    watchedFolders: Int,
    via: Type.Union([Type.Literal('inotifywait'), Type.Literal('fs.watch')]),
    events: Int,
    error: Nullable(Type.String()),
  }),
  exports: ExportsStorage,
});

export function registerStorageRoutes(app: ApiApp, storage: NonNullable<ApiDeps['storage']>): void {
  app.get('/api/v1/storage', { config: { access: 'viewer' }, schema: { response: { 200: StorageBody } } }, () => {
    const s = storage();
    const projectedDaysLeft = s.recordableHours === null ? null : Math.round((s.recordableHours / 24) * 100) / 100;
    return { ...s, projectedDaysLeft, cameras: [...s.cameras], watcher: { ...s.watcher, recentForeign: [...s.watcher.recentForeign] } };
  });
}
