/**
 * The app shell: who is logged in (GET /auth/me), which page the path names, and the
 * layout around it. A 401 from any call brings the login page back, then the page the
 * officer was on.
 */
import { useEffect, useState } from 'preact/hooks';
import { api, onUnauthorized } from './api';
import { Layout } from './components/Layout';
import { onLangChange, t } from './i18n';
import { navigate, pathWith, useRoute, type Route } from './router';
import { can, SessionContext } from './session';
import type { Principal, Role } from './types';
import { LoginPage } from './pages/Login';
import { GridPage } from './pages/Grid';
import { LivePage } from './pages/Live';
import { TimelinePage } from './pages/Timeline';
import { TracePage } from './pages/Trace';
import { EvidencePage } from './pages/Evidence';
import { CamerasPage } from './pages/Cameras';
import { UsersPage } from './pages/Users';
import { AuditPage } from './pages/Audit';

const needs: Record<string, Role> = { trace: 'investigator', evidence: 'investigator', cameras: 'admin', users: 'admin', audit: 'admin' };

function Page({ route }: { route: Route }) {
  switch (route.page) {
    case 'grid': return <GridPage />;
    case 'live': return <LivePage id={route.id} />;
    case 'timeline': return <TimelinePage id={route.id} query={route.query} />;
    case 'trace': return <TracePage query={route.query} />;
    case 'evidence': return <EvidencePage />;
    case 'cameras': return <CamerasPage />;
    case 'users': return <UsersPage />;
    case 'audit': return <AuditPage />;
    default: return <p class="empty">{t('app.notFound')}</p>;
  }
}

/** Only a path of this app: never another site (`//host`, `https://…`). */
function safeNext(next: string | null): string {
  return next !== null && next.startsWith('/') && !next.startsWith('//') && next !== '/login' ? next : '/';
}

export function App() {
  const route = useRoute();
  const [principal, setPrincipal] = useState<Principal | null>(null);
  const [checked, setChecked] = useState(false);
  const [, setLangTick] = useState(0);

  useEffect(() => onLangChange(() => setLangTick((n) => n + 1)), []);
  useEffect(() => {
    onUnauthorized(() => {
      setPrincipal(null);
      const here = window.location.pathname + window.location.search;
      if (window.location.pathname !== '/login') navigate(pathWith('/login', { next: here }), { replace: true });
    });
    api<Principal>('/auth/me').then(setPrincipal, () => setPrincipal(null)).finally(() => setChecked(true));
  }, []);

  if (!checked) return <p class="empty">{t('app.loading')}</p>;
  if (!principal || route.page === 'login') {
    return <LoginPage onLogin={(p) => { setPrincipal(p); navigate(safeNext(route.query.get('next')), { replace: true }); }} />;
  }
  const need = needs[route.page];
  const logout = () => {
    void api('/auth/logout', { method: 'POST' }).finally(() => { setPrincipal(null); navigate('/login'); });
  };
  return (
    <SessionContext.Provider value={principal}>
      <Layout principal={principal} route={route} onLogout={logout}>
        {need && !can(principal, need) ? <p class="empty">{t('app.forbidden', { role: t(`role.${need}`) })}</p> : <Page route={route} />}
      </Layout>
    </SessionContext.Provider>
  );
}
