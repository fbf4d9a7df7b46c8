/** Where things live inside the data dir. One place, so no module invents a path. */
import path from 'node:path';

export interface DataPaths {
  dataDir: string;
  recordingsDir: string;
  quarantineDir: string;
  databaseFile: string;
  lockFile: string;
}

export function dataPaths(dataDir: string): DataPaths {
  return {
    dataDir,
    recordingsDir: path.join(dataDir, 'recordings'),
    quarantineDir: path.join(dataDir, 'quarantine'),
    databaseFile: path.join(dataDir, 'index.sqlite'),
    lockFile: path.join(dataDir, 'nvr.lock'),
  };
}
