/**
 * The box's identity: the public key that signs every export, and its fingerprint to
 * write into the case file (shown in the UI and in health too). Never the private key.
 */
import Type from 'typebox';
import { toIso } from '../../core/time.js';
import { groupFingerprint } from '../../identity/box-identity.js';
import type { ApiDeps } from '../deps.js';
import type { ApiApp } from '../schemas.js';

export const IdentityBody = Type.Object({
  boxId: Type.String({ description: "'nvr-' and the first 12 hex digits of the fingerprint" }),
  algorithm: Type.Literal('Ed25519'),
  fingerprint: Type.String({ description: 'SHA-256 (hex) of the public key (SPKI DER): what export verifiers compare' }),
  fingerprintGrouped: Type.String({ description: 'the same in groups of 4, to read aloud or copy by hand' }),
  publicKeyPem: Type.String(),
  hostname: Type.String(),
  createdMs: Type.Integer(),
  created: Type.String(),
});

export function registerIdentityRoutes(app: ApiApp, identity: NonNullable<ApiDeps['identity']>): void {
  app.get('/api/v1/identity', { config: { access: 'viewer' }, schema: { response: { 200: IdentityBody } } }, () => ({
    boxId: identity.boxId,
    algorithm: identity.algorithm,
    fingerprint: identity.fingerprint,
    fingerprintGrouped: groupFingerprint(identity.fingerprint),
    publicKeyPem: identity.publicKeyPem,
    hostname: identity.hostname,
    createdMs: identity.createdMs,
    created: toIso(identity.createdMs),
  }));
}
