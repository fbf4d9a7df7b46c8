// A process that runs one retention pass over a data dir and stops dead at the Nth
// deletion checkpoint (before an unlink, or before the batch's garbage rows are dropped),
// so the parent can SIGKILL it exactly there: a crash in the middle of a deletion batch.
// Uses the built daemon code (dist/), like bin/nvr.js. Usage: node deletion-child.mjs DATA_DIR N
import path from 'node:path';
import { systemClock } from '../../dist/core/clock.js';
import { silentLogger } from '../../dist/core/logger.js';
import { statfsDisk } from '../../dist/retention/disk.js';
import { Retention } from '../../dist/retention/retention.js';
import { openStore } from '../../dist/store/db.js';

const [dataDir, stopAtText] = process.argv.slice(2);
const stopAt = Number(stopAtText);
const recordingsDir = path.join(dataDir, 'recordings');
const store = openStore({ path: path.join(dataDir, 'index.sqlite'), log: silentLogger() });
let calls = 0;
const faults = {
  async checkpoint(handled) {
    if (calls++ !== stopAt) return;
    process.stdout.write(`STOPPED ${handled}\n`);
    setInterval(() => undefined, 1000); // stay alive, blocked here, until killed
    await new Promise(() => undefined);
  },
};
const retention = new Retention({
  store, recordingsDir, reserveFile: path.join(dataDir, 'reserve.bin'), disk: statfsDisk(recordingsDir), clock: systemClock,
  log: silentLogger(), cameras: () => [{ id: 'gate', enabled: true }], faults,
  settings: { maxAgeDays: 5, minFreeFraction: 0.01, minFreeMinutes: 0, highWater: 0.02, warnHoursLeft: 0, checkIntervalMs: 1000 },
});
await retention.tick();
process.stdout.write('DONE\n');
store.close();
