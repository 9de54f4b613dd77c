// Container health check for the sidecar: healthy when the HTTP API answers `/` and the gRPC port
// Grafana connects to accepts connections. Runs inside the container, so loopback reaches both.
// A 401 (token set, none sent) still proves the server is serving; only no answer or 5xx fails.
import { connect } from 'node:net';

const TIMEOUT_MS = 4000;
const httpPort = Number(process.env.TAPO_HEALTH_HTTP_PORT || 8080);
const grpcPort = Number(process.env.TAPO_HEALTH_GRPC_PORT || 10001);

function tcpOpen(port) {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.setTimeout(TIMEOUT_MS, () => socket.destroy(new Error(`gRPC port ${port}: timeout`)));
    socket.once('connect', () => {
      socket.end();
      resolve();
    });
    socket.once('error', (err) => reject(new Error(`gRPC port ${port}: ${err.message}`)));
  });
}

async function httpUp(port) {
  const headers = { accept: 'application/json' };
  if (process.env.TAPO_API_TOKEN) {
    headers.authorization = `Bearer ${process.env.TAPO_API_TOKEN}`;
  }
  const res = await fetch(`http://127.0.0.1:${port}/`, { headers, signal: AbortSignal.timeout(TIMEOUT_MS) });
  if (res.status >= 500) {
    throw new Error(`HTTP / answered ${res.status}`);
  }
}

try {
  await Promise.all([httpUp(httpPort), tcpOpen(grpcPort)]);
  process.exit(0);
} catch (err) {
  // Never print the token: only the reason.
  console.error(`unhealthy: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
