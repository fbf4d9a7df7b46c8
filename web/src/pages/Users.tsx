/** User accounts, for admins: add, change role, reset password, remove. */
import { useState } from 'preact/hooks';
import { api } from '../api';
import { ErrorLine, usePoll } from '../components/bits';
import { t } from '../i18n';
import { usePrincipal } from '../session';
import { fmtDateTime } from '../time';
import type { Role, User } from '../types';

const roleList: readonly Role[] = ['viewer', 'investigator', 'admin'];

function RoleSelect({ value, onChange, name }: { value: Role; onChange: (r: Role) => void; name?: string }) {
  return (
    <select name={name} value={value} onChange={(e) => onChange(e.currentTarget.value as Role)}>
      {roleList.map((r) => <option key={r} value={r}>{t(`role.${r}`)}</option>)}
    </select>
  );
}

function NewUser({ onAdded }: { onAdded: () => void }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState<Role>('viewer');
  const [error, setError] = useState<unknown>(null);
  const submit = async (event: Event) => {
    event.preventDefault();
    try {
      await api('/users', { method: 'POST', body: { username: username.trim(), password, role } });
      setUsername('');
      setPassword('');
      setError(null);
      onAdded();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <form class="card bar" onSubmit={submit}>
      <label>{t('auth.username')}<input name="username" required autocomplete="off" value={username} onInput={(e) => setUsername(e.currentTarget.value)} /></label>
      <label>{t('auth.password')}<input name="password" type="password" required autocomplete="new-password" value={password} onInput={(e) => setPassword(e.currentTarget.value)} /></label>
      <label>{t('users.role')}<RoleSelect name="role" value={role} onChange={setRole} /></label>
      <button type="submit" class="primary">{t('users.add')}</button>
      <ErrorLine error={error} />
    </form>
  );
}

export function UsersPage() {
  const me = usePrincipal();
  const list = usePoll(() => api<{ users: User[] }>('/users'), 0, []);
  const [error, setError] = useState<unknown>(null);
  const act = async (fn: () => Promise<unknown>) => {
    try { await fn(); setError(null); } catch (err) { setError(err); }
    list.reload();
  };
  return (
    <section class="users-page">
      <h2>{t('nav.users')}</h2>
      <NewUser onAdded={list.reload} />
      <ErrorLine error={error ?? list.error} />
      <div class="table-wrap"><table>
        <thead><tr><th>{t('auth.username')}</th><th>{t('users.role')}</th><th>{t('users.lastLogin')}</th><th /></tr></thead>
        <tbody>{(list.value?.users ?? []).map((u) => (
          <tr key={u.id} data-user={u.username}>
            <td><strong>{u.username}</strong></td>
            <td><RoleSelect value={u.role} onChange={(role) => void act(() => api(`/users/${u.id}`, { method: 'PATCH', body: { role } }))} /></td>
            <td>{u.lastLoginMs === null ? '—' : fmtDateTime(u.lastLoginMs)}</td>
            <td class="buttons">
              <button type="button" onClick={() => {
                const password = window.prompt(t('users.newPassword', { name: u.username }));
                if (password) void act(() => api(`/users/${u.id}`, { method: 'PATCH', body: { password } }));
              }}>{t('users.resetPassword')}</button>
              {me?.name !== u.username && <button type="button" class="danger" onClick={() => {
                if (window.confirm(t('users.confirmRemove', { name: u.username }))) void act(() => api(`/users/${u.id}`, { method: 'DELETE' }));
              }}>{t('users.remove')}</button>}
            </td>
          </tr>
        ))}</tbody>
      </table></div>
    </section>
  );
}
