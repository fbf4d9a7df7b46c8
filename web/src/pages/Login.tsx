/** Login with a user of the box (POST /auth/login sets the session cookie). */
import { useState } from 'preact/hooks';
import { api, ApiError } from '../api';
import { lang, setLang, t } from '../i18n';
import type { Principal } from '../types';

export function LoginPage({ onLogin }: { onLogin: (p: Principal) => void }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api('/auth/login', { method: 'POST', body: { username: username.trim(), password } });
      onLogin(await api<Principal>('/auth/me'));
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) setError(t('auth.wrong'));
      else if (err instanceof ApiError && err.status === 429) setError(t('auth.tooMany'));
      else setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="login">
      <form onSubmit={submit} class="card">
        <h1>{t('app.name')}</h1>
        <label>{t('auth.username')}
          <input name="username" autocomplete="username" autocapitalize="off" required value={username} onInput={(e) => setUsername(e.currentTarget.value)} />
        </label>
        <label>{t('auth.password')}
          <input name="password" type="password" autocomplete="current-password" required value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
        </label>
        {error && <p class="error" role="alert">{error}</p>}
        <button type="submit" class="primary" disabled={busy}>{t('auth.login')}</button>
        <button type="button" class="link" onClick={() => setLang(lang() === 'vi' ? 'en' : 'vi')}>{lang() === 'vi' ? 'English' : 'Tiếng Việt'}</button>
      </form>
    </div>
  );
}
