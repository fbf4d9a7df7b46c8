/**
 * Camera administration: add (ONVIF or RTSP URL), change and remove cameras, for admins,
 * every attempt audited (refused ones too); the health card for viewers. Values are
 * checked by the cameras module so every refusal names the field and the value; the
 * schemas here only fix the shapes. Answers never carry a URL or a credential.
 */
import Type from 'typebox';
import type { NewCameraInput } from '../../cameras/types.js';
import { cameraView, requireCamera } from '../camera-view.js';
import { HealthCardBody, healthCardView } from '../camera-facts.js';
import type { ApiDeps } from '../deps.js';
import { audited } from '../plugins/audit-request.js';
import { CameraBody, CameraIdParams, ErrorBody, type ApiApp } from '../schemas.js';

const Audio = Type.Enum(['aac', 'copy', 'off']);
const OnvifInput = {
  host: Type.Optional(Type.String({ maxLength: 300 })),
  port: Type.Optional(Type.Integer()),
  username: Type.Optional(Type.String({ maxLength: 300 })),
  password: Type.Optional(Type.String({ maxLength: 300 })),
};
const NewCameraBody = Type.Object({
  id: Type.Optional(Type.String({ maxLength: 300 })),
  name: Type.Optional(Type.String({ maxLength: 1000 })),
  onvif: Type.Optional(Type.Object(OnvifInput, { additionalProperties: false })),
  url: Type.Optional(Type.String({ maxLength: 4096 })),
  enabled: Type.Optional(Type.Boolean()),
  audio: Type.Optional(Audio),
}, { additionalProperties: false });
const PatchBody = Type.Object({
  name: Type.Optional(Type.String({ maxLength: 1000 })),
  onvif: Type.Optional(Type.Object(OnvifInput, { additionalProperties: false })),
  url: Type.Optional(Type.String({ maxLength: 4096 })),
  enabled: Type.Optional(Type.Boolean()),
  audio: Type.Optional(Audio),
}, { additionalProperties: false, minProperties: 1 });

const errors = { 400: ErrorBody, 404: ErrorBody, 409: ErrorBody };
const admin = { access: 'admin' } as const;

/** What the audit line says: id, name and where the camera is; never a URL's user info or a password. */
function describe(id: string, body: { name?: string; onvif?: { host?: string; port?: number }; url?: string }): string {
  const where = body.onvif ? `onvif ${body.onvif.host ?? '?'}:${body.onvif.port ?? 80}` : body.url ? `url host ${hostOnly(body.url)}` : '';
  return [`camera '${id.slice(0, 63)}'`, body.name ? `name '${body.name.slice(0, 60)}'` : '', where].filter((s) => s !== '').join(' ');
}

function hostOnly(url: string): string {
  try { return new URL(url).host; } catch { return '(unparsable)'; }
}

export function registerCameraAdminRoutes(app: ApiApp, deps: ApiDeps, cameras: NonNullable<ApiDeps['cameraAdmin']>): void {
  const view = (id: string) => {
    const camera = requireCamera(deps, id);
    return cameraView(camera, deps.recorderStatus(camera.id));
  };

  app.post('/api/v1/cameras', { config: admin, bodyLimit: 16 * 1024, schema: { body: NewCameraBody, response: { 201: CameraBody, ...errors } } }, async (req, reply) => {
    const body = req.body;
    const added = await audited(deps.audit, req, 'camera.add', describe(body.id ?? '(from name)', body), () => cameras.add(body as NewCameraInput));
    return reply.status(201).send(view(added.id));
  });

  app.patch('/api/v1/cameras/:id', { config: admin, bodyLimit: 16 * 1024, schema: { params: CameraIdParams, body: PatchBody, response: { 200: CameraBody, ...errors } } }, async (req) => {
    const detail = `${describe(req.params.id, req.body)} fields ${Object.keys(req.body).join(',')}`;
    await audited(deps.audit, req, 'camera.update', detail, () => cameras.update(req.params.id, req.body));
    return view(req.params.id);
  });

  app.delete('/api/v1/cameras/:id', { config: admin, schema: { params: CameraIdParams, response: { 204: Type.Null(), ...errors } } }, async (req, reply) => {
    await audited(deps.audit, req, 'camera.remove', `camera '${req.params.id.slice(0, 63)}'`, () => cameras.remove(req.params.id));
    return reply.status(204).send(null);
  });

  const card = async (id: string, refresh: boolean) => healthCardView(id, await cameras.healthCard(id, refresh));
  app.get('/api/v1/cameras/:id/health-card', { config: { access: 'viewer' }, schema: { params: CameraIdParams, response: { 200: HealthCardBody, ...errors } } }, (req) => card(req.params.id, false));
  // Checking again runs an ffprobe against the camera: admins only.
  app.post('/api/v1/cameras/:id/health-card', { config: admin, schema: { params: CameraIdParams, response: { 200: HealthCardBody, ...errors } } }, (req) => card(req.params.id, true));
}
