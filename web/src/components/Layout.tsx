/** Header with the app's sections (only those the role may use), language switch and logout. */
import type { ComponentChildren } from 'preact';
import { lang, setLang, t, type StringKey } from '../i18n';
import { linkClick, type Route } from '../router';
import { can } from '../session';
import type { Principal, Role } from '../types';

const sections: readonly { href: string; label: StringKey; need: Role; pages: readonly string[] }[] = [
  { href: '/', label: 'nav.cameras', need: 'viewer', pages: ['grid', 'live', 'timeline'] },
  { href: '/trace', label: 'nav.trace', need: 'investigator', pages: ['trace'] },
  { href: '/evidence', label: 'nav.evidence', need: 'investigator', pages: ['evidence'] },
  { href: '/admin/cameras', label: 'nav.admin', need: 'admin', pages: ['cameras'] },
  { href: '/admin/users', label: 'nav.users', need: 'admin', pages: ['users'] },
  { href: '/admin/audit', label: 'nav.audit', need: 'admin', pages: ['audit'] },
];

interface Props {
  principal: Principal;
  route: Route;
  onLogout: () => void;
  children: ComponentChildren;
}

export function Layout({ principal, route, onLogout, children }: Props) {
  return (
    <div class="app">
      <header class="top">
        <a class="brand" href="/" onClick={linkClick}>{t('app.name')}</a>
        <nav>
          {sections.filter((s) => can(principal, s.need)).map((s) => (
            <a key={s.href} href={s.href} onClick={linkClick} class={s.pages.includes(route.page) ? 'active' : ''}>{t(s.label)}</a>
          ))}
        </nav>
        <div class="who">
          <span class="user" data-role={principal.role}>{principal.name} · {t(`role.${principal.role}`)}</span>
          <button type="button" class="link" onClick={() => setLang(lang() === 'vi' ? 'en' : 'vi')} aria-label="Language">
            {lang() === 'vi' ? 'English' : 'Tiếng Việt'}
          </button>
          <button type="button" class="link" onClick={onLogout}>{t('auth.logout')}</button>
        </div>
      </header>
      <main>{children}</main>
    </div>
  );
}
