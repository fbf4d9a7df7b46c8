/**
 * API tokens, for admins: list, create (the token is in the answer once, never again),
 * revoke. `nvr token create` does the same from the box's shell.
 */
import Type from 'typebox';
import type { ApiDeps } from '../deps.js';
import { ErrorBody, type ApiApp } from '../schemas.js';
import { audited } from '../plugins/audit-request.js';
import { IdParams, RoleSchema, TokenBody, TokenNameSchema, tokenBody } from '../plugins/views.js';
import { parseRowId } from './users.js';

const NewTokenBody = Type.Object({ name: TokenNameSchema, role: RoleSchema }, { additionalProperties: false });
const CreatedTokenBody = Type.Object({
  token: Type.String({ description: 'shown once: store it now (only its hash is kept)' }),
  ...TokenBody.properties,
});
const errors = { 400: ErrorBody, 404: ErrorBody, 409: ErrorBody };

export function registerTokenRoutes(app: ApiApp, deps: ApiDeps): void {
  const { tokens } = deps.auth;
  const config = { access: 'admin' } as const;

  app.get('/api/v1/tokens', { config, schema: { response: { 200: Type.Object({ tokens: Type.Array(TokenBody) }) } } }, () => ({
    tokens: tokens.list().map(tokenBody),
  }));

  app.post(
    '/api/v1/tokens',
    { config, bodyLimit: 16 * 1024, schema: { body: NewTokenBody, response: { 201: CreatedTokenBody, ...errors } } },
    async (req, reply) => {
      const { name, role } = req.body;
      const created = await audited(deps.audit, req, 'token.create', `token '${name}' as ${role}`, () =>
        tokens.create({ name, role, createdBy: req.principal!.name }),
      );
      return reply.status(201).send({ token: created.token, ...tokenBody(created.view) });
    },
  );

  app.delete('/api/v1/tokens/:id', { config, schema: { params: IdParams, response: { 200: TokenBody, ...errors } } }, async (req) => {
    const id = parseRowId(req.params.id, 'token');
    return tokenBody(await audited(deps.audit, req, 'token.revoke', `token ${id}`, () => tokens.revoke(id)));
  });
}
