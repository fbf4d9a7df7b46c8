/** Who is logged in, and what their role lets the pages show (the API checks again). */
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Principal, Role } from './types';

const order: readonly Role[] = ['viewer', 'investigator', 'admin'];

export function can(principal: Principal | null, need: Role): boolean {
  return principal !== null && order.indexOf(principal.role) >= order.indexOf(need);
}

export const SessionContext = createContext<Principal | null>(null);

export function usePrincipal(): Principal | null {
  return useContext(SessionContext);
}
