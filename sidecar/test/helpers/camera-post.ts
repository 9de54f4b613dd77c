/** One raw JSON POST to a simulated camera's API, as a client outside ours would send it (no session, no pinning). */
import https from 'node:https';
import type { SimulatedCamera } from '../../src/simulator/camera.ts';

export function postToCamera(
  cam: SimulatedCamera,
  payload: unknown
): Promise<{ status: number; json: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      { host: cam.host, port: cam.port, method: 'POST', path: '/', rejectUnauthorized: false, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) })
        );
      }
    );
    req.on('error', reject);
    req.end(JSON.stringify(payload));
  });
}
