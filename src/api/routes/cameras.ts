/** Camera list and one camera with its recorder state. Never the url (see camera-view). */
import type { ApiDeps } from '../deps.js';
import { cameraView, requireCamera } from '../camera-view.js';
import { CameraBody, CameraIdParams, CameraListBody, errorResponses, type ApiApp } from '../schemas.js';

export function registerCameraRoutes(app: ApiApp, deps: ApiDeps): void {
  app.get('/api/v1/cameras', { schema: { response: { 200: CameraListBody } } }, () => ({
    cameras: deps.cameras().map((c) => cameraView(c, deps.recorderStatus(c.id))),
  }));

  app.get(
    '/api/v1/cameras/:id',
    { schema: { params: CameraIdParams, response: { 200: CameraBody, ...errorResponses } } },
    (req) => {
      const camera = requireCamera(deps, req.params.id);
      return cameraView(camera, deps.recorderStatus(camera.id));
    },
  );
}
