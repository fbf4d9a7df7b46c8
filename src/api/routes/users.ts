/**
 * User accounts, for admins: list, create, change role or password, remove. Answers
 * never carry a password hash (the response schema lists what may go out). Every change
 * is audited, refused ones too.
 */
import Type from 'typebox';
import { NvrError } from '../../core/errors.js';
import type { ApiDeps } from '../deps.js';
import { ErrorBody, type ApiApp } from '../schemas.js';
import { audited } from '../plugins/audit-request.js';
import { IdParams, PasswordSchema, RoleSchema, UserBody, UsernameSchema, userBody } from '../plugins/views.js';

const NewUserBody = Type.Object({ username: UsernameSchema, password: PasswordSchema, role: RoleSchema }, { additionalProperties: false });
const UserPatchBody = Type.Object(
  { role: Type.Optional(RoleSchema), password: Type.Optional(PasswordSchema) },
  { additionalProperties: false, minProperties: 1 },
);
const errors = { 400: ErrorBody, 404: ErrorBody, 409: ErrorBody };
const bodyLimit = 16 * 1024;

/** Row ids in paths: digits only, so '../', encodings and the like are INVALID_ID. */
export function parseRowId(raw: string, what: string): number {
  if (!/^[1-9][0-9]{0,14}$/.test(raw)) {
    const shown = raw.length > 40 ? `${raw.slice(0, 40)}…` : raw;
    throw new NvrError('INVALID_ID', `${what} id '${shown}' is not valid: use the number from the list`);
  }
  return Number(raw);
}

export function registerUserRoutes(app: ApiApp, deps: ApiDeps): void {
  const { accounts } = deps.auth;
  const config = { access: 'admin' } as const;

  app.get('/api/v1/users', { config, schema: { response: { 200: Type.Object({ users: Type.Array(UserBody) }) } } }, () => ({
    users: accounts.list().map(userBody),
  }));

  app.post('/api/v1/users', { config, bodyLimit, schema: { body: NewUserBody, response: { 201: UserBody, ...errors } } }, async (req, reply) => {
    const { username, role } = req.body;
    const user = await audited(deps.audit, req, 'user.create', `user '${username}' as ${role}`, () => accounts.create(req.body));
    return reply.status(201).send(userBody(user));
  });

  app.patch(
    '/api/v1/users/:id',
    { config, bodyLimit, schema: { params: IdParams, body: UserPatchBody, response: { 200: UserBody, ...errors } } },
    async (req) => {
      const id = parseRowId(req.params.id, 'user');
      const changed = [req.body.role === undefined ? null : `role → ${req.body.role}`, req.body.password === undefined ? null : 'password']
        .filter(Boolean)
        .join(', ');
      return userBody(await audited(deps.audit, req, 'user.update', `user ${id}: ${changed}`, () => accounts.update(id, req.body)));
    },
  );

  app.delete('/api/v1/users/:id', { config, schema: { params: IdParams, response: { 204: Type.Null(), ...errors } } }, async (req, reply) => {
    const id = parseRowId(req.params.id, 'user');
    await audited(deps.audit, req, 'user.delete', `user ${id}`, () => accounts.remove(id));
    return reply.status(204).send(null);
  });
}
