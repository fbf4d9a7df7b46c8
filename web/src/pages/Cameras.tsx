/**
 * Cameras admin: find cameras on the LAN (ONVIF WS-Discovery), add one (ONVIF login or a
 * plain RTSP URL) and read its health card, rename, disable or remove cameras. Cameras
 * from the config file are changed in the file; the page says so.
 */
import { useState } from 'preact/hooks';
import { api, ApiError } from '../api';
import { ErrorLine, StateBadge, usePoll } from '../components/bits';
import { HealthCardView } from '../components/HealthCard';
import { t } from '../i18n';
import type { Camera, DiscoveredDevice, HealthCard } from '../types';

interface Target { host: string; port: number }

function Discovery({ onPick }: { onPick: (target: Target) => void }) {
  const [devices, setDevices] = useState<DiscoveredDevice[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const scan = async () => {
    setBusy(true);
    setError(null);
    try {
      setDevices((await api<{ devices: DiscoveredDevice[] }>('/discovery/scan', { method: 'POST' })).devices);
    } catch (err) {
      setError(err instanceof ApiError && err.status === 404 ? new Error(t('cam.noDiscovery')) : err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="card">
      <h3>{t('cam.discover')}</h3>
      <button type="button" class="primary" onClick={scan} disabled={busy}>{busy ? t('cam.scanning') : t('cam.scan')}</button>
      <ErrorLine error={error} />
      {devices && devices.length === 0 && <p class="empty">{t('cam.nothingFound')}</p>}
      {devices && devices.length > 0 && (
        <div class="table-wrap"><table>
          <thead><tr><th>{t('cam.address')}</th><th>{t('cam.model')}</th><th /></tr></thead>
          <tbody>{devices.map((d) => (
            <tr key={`${d.address}:${d.port}`} data-device={d.address}>
              <td>{d.address}:{d.port}</td>
              <td>{[d.manufacturer, d.model].filter(Boolean).join(' ') || '—'}</td>
              <td>{d.alreadyAdded ? <span class="muted">{t('cam.already', { id: d.cameraId ?? '' })}</span> : <button type="button" onClick={() => onPick({ host: d.address, port: d.port })}>{t('cam.add')}</button>}</td>
            </tr>
          ))}</tbody>
        </table></div>
      )}
    </div>
  );
}

function AddCamera({ target, onAdded }: { target: Target | null; onAdded: () => void }) {
  const [mode, setMode] = useState<'onvif' | 'url'>('onvif');
  const [f, setF] = useState({ name: '', host: '', port: '80', username: 'admin', password: '', url: '' });
  const [added, setAdded] = useState<Camera | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const host = f.host || target?.host || '';
  const port = f.host ? f.port : String(target?.port ?? f.port);
  const field = (key: keyof typeof f) => (e: Event) => setF({ ...f, [key]: (e.currentTarget as HTMLInputElement).value });
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    const body = mode === 'onvif'
      ? { name: f.name, onvif: { host, port: Number(port), username: f.username, password: f.password } }
      : { name: f.name, url: f.url };
    try {
      setAdded(await api<Camera>('/cameras', { method: 'POST', body }));
      onAdded();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="card add-camera" onSubmit={submit}>
      <h3>{t('cam.addTitle')}</h3>
      <div class="bar">
        <label class="check"><input type="radio" name="mode" checked={mode === 'onvif'} onChange={() => setMode('onvif')} /> ONVIF</label>
        <label class="check"><input type="radio" name="mode" checked={mode === 'url'} onChange={() => setMode('url')} /> RTSP URL</label>
      </div>
      <label>{t('cam.name')}<input name="name" required value={f.name} onInput={field('name')} /></label>
      {mode === 'onvif' ? (<>
        <label>{t('cam.host')}<input name="host" required value={host} onInput={field('host')} /></label>
        <label>{t('cam.port')}<input name="port" inputMode="numeric" value={port} onInput={field('port')} /></label>
        <label>{t('auth.username')}<input name="username" autocomplete="off" value={f.username} onInput={field('username')} /></label>
        <label>{t('auth.password')}<input name="password" type="password" autocomplete="new-password" value={f.password} onInput={field('password')} /></label>
      </>) : <label>RTSP URL<input name="url" required placeholder="rtsp://user:pass@192.168.1.64:554/Streaming/Channels/101" value={f.url} onInput={field('url')} /></label>}
      <button type="submit" class="primary" disabled={busy}>{busy ? t('cam.checking') : t('cam.add')}</button>
      <ErrorLine error={error} />
      {added && <div class="ok"><p>{t('cam.added', { name: added.name, id: added.id })}</p>{added.healthCard && <HealthCardView card={added.healthCard} />}</div>}
    </form>
  );
}

function CameraRow({ camera, onChanged }: { camera: Camera; onChanged: () => void }) {
  const [card, setCard] = useState<HealthCard | null>(null);
  const [error, setError] = useState<unknown>(null);
  const fromFile = camera.source === 'config';
  const act = async (fn: () => Promise<unknown>) => {
    setError(null);
    try { await fn(); onChanged(); } catch (err) { setError(err); }
  };
  const path = `/cameras/${encodeURIComponent(camera.id)}`;
  const rename = () => {
    const name = window.prompt(t('cam.name'), camera.name);
    if (name && name !== camera.name) void act(() => api(path, { method: 'PATCH', body: { name } }));
  };
  const remove = () => {
    if (window.confirm(t('cam.confirmRemove', { name: camera.name }))) void act(() => api(path, { method: 'DELETE' }));
  };
  return (
    <tr data-camera={camera.id}>
      <td><strong>{camera.name}</strong><div class="muted small">{camera.id}{fromFile ? ` · ${t('cam.fromFile')}` : ''}</div></td>
      <td><StateBadge state={camera.state} /></td>
      <td>{camera.stream ? `${camera.stream.videoCodec ?? ''} ${camera.stream.width ?? ''}×${camera.stream.height ?? ''}` : '—'}</td>
      <td class="buttons">
        <button type="button" onClick={() => void act(async () => setCard(await api<HealthCard>(`${path}/health-card`, { method: 'POST' })))}>{t('cam.check')}</button>
        {!fromFile && <button type="button" onClick={rename}>{t('cam.rename')}</button>}
        {!fromFile && <button type="button" onClick={() => void act(() => api(path, { method: 'PATCH', body: { enabled: !camera.enabled } }))}>{camera.enabled ? t('cam.disable') : t('cam.enable')}</button>}
        {!fromFile && <button type="button" class="danger" onClick={remove}>{t('cam.remove')}</button>}
        <ErrorLine error={error} />
        {(card ?? camera.healthCard) && <details open={card !== null}><summary>{t('cam.healthCard')}</summary><HealthCardView card={(card ?? camera.healthCard)!} /></details>}
      </td>
    </tr>
  );
}

export function CamerasPage() {
  const list = usePoll(() => api<{ cameras: Camera[] }>('/cameras'), 10_000, []);
  const [target, setTarget] = useState<Target | null>(null);
  return (
    <section class="cameras-page">
      <h2>{t('nav.admin')}</h2>
      <ErrorLine error={list.error} />
      <div class="table-wrap"><table>
        <thead><tr><th>{t('cam.name')}</th><th>{t('ev.state')}</th><th>{t('hc.codec')}</th><th /></tr></thead>
        <tbody>{(list.value?.cameras ?? []).map((c) => <CameraRow key={c.id} camera={c} onChanged={list.reload} />)}</tbody>
      </table></div>
      <div class="two-col">
        <Discovery onPick={setTarget} />
        <AddCamera target={target} onAdded={list.reload} />
      </div>
      <p class="muted small">{t('cam.note')}</p>
    </section>
  );
}
