/** Small shared pieces: state badge, error line, a polling hook. */
import { useEffect, useState } from 'preact/hooks';
import { errorText } from '../api';
import { t } from '../i18n';
import type { CameraState } from '../types';

export function StateBadge({ state }: { state: CameraState }) {
  return <span class={`badge state-${state}`} data-state={state}>{t(`state.${state}`)}</span>;
}

export function ErrorLine({ error }: { error: unknown }) {
  if (error === null || error === undefined) return null;
  return <p class="error" role="alert">{errorText(error)}</p>;
}

/** Runs load() now and every everyMs; returns the last value and error. */
export function usePoll<T>(load: () => Promise<T>, everyMs: number, deps: readonly unknown[]): { value: T | null; error: unknown; reload: () => void } {
  const [value, setValue] = useState<T | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let alive = true;
    const run = () => load().then((v) => { if (alive) { setValue(v); setError(null); } }, (e: unknown) => { if (alive) setError(e); });
    run();
    const timer = everyMs > 0 ? window.setInterval(run, everyMs) : 0;
    return () => { alive = false; window.clearInterval(timer); };
  }, [...deps, tick]);
  return { value, error, reload: () => setTick((n) => n + 1) };
}
