/**
 * Standalone simulator: `npm run simulator -w sidecar -- --cameras N --host 127.0.0.1 --base-port P`
 * Prints one JSON line per camera on stdout (address, ports, credentials, model, login flow),
 * then runs until SIGINT/SIGTERM.
 */
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { startSimulatedFleet, type FleetExtrasFactory, type SimulatedFleet } from './fleet.ts';
import type { SimRtspFaults, SimRtspServer } from './rtsp.ts';
import { MODEL_IDS, type ModelId } from './profiles.ts';
import { TPAP_FIRMWARE_IDS, type TpapFirmwareId } from './tpap/firmware.ts';
import type { CameraFaults, SimLoginFlow } from './camera.ts';
import type { HashAlgo } from '../tapo/crypto.ts';
import { SENSOR_SET, SimulatedHub } from './hub/hub.ts';
import type { ChildModel } from './hub/child.ts';

function fail(msg: string): never {
  process.stderr.write(`simulator: ${msg}\n`);
  process.exit(2);
}

function list<T extends string>(v: string | undefined, allowed: readonly T[], what: string): T[] | undefined {
  if (v === undefined) {
    return undefined;
  }
  const items = v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const it of items) {
    if (!allowed.includes(it as T)) {
      fail(`unknown ${what} "${it}" (allowed: ${allowed.join(', ')})`);
    }
  }
  return items as T[];
}

function int(v: string | undefined, what: string, min: number, max: number): number | undefined {
  if (v === undefined) {
    return undefined;
  }
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) {
    fail(`${what} must be an integer ${min}..${max}`);
  }
  return n;
}

export async function main(argv = process.argv.slice(2), extras?: FleetExtrasFactory): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      cameras: { type: 'string', default: '3' },
      host: { type: 'string', default: '127.0.0.1' },
      'base-port': { type: 'string' },
      models: { type: 'string' },
      flows: { type: 'string' },
      hashes: { type: 'string' },
      password: { type: 'string' },
      'auto-motion-ms': { type: 'string' },
      'lockout-seconds': { type: 'string' },
      'max-failed-logins': { type: 'string' },
      media: { type: 'boolean', default: false },
      'discovery-port': { type: 'string' },
      hub: { type: 'boolean', default: false },
      'with-hub': { type: 'boolean', default: false },
      control: { type: 'boolean', default: false },
      'hub-children': { type: 'string' },
      'sd-cards': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(
      `usage: simulator --cameras N [--host 127.0.0.1] [--base-port P] [--models C210,C110,C510W-1.3.4,...] [--flows secure,legacy,tpap] [--hashes sha256,md5] [--password X] [--auto-motion-ms MS] [--lockout-seconds S] [--max-failed-logins N] [--media] [--discovery-port P]
  --flows tpap: 2026 firmware (login v4, SPAKE2+); --models also takes TPAP builds: ${TPAP_FIRMWARE_IDS.join(', ')}
  --hub: start one simulated H200 hub (C420, C425, D230 behind it; --hub-children C420,D230,... to choose) and print it (with its port-8800 streamPort) and its children
  --media: also serve RTSP (ffmpeg) and ONVIF events per camera (ports in each JSON line)
  --sd-cards normal,none,broken,full,held: each camera's SD card, cycled (held: the Tapo app holds its media session)
  --discovery-port: answer TP-Link discovery (UDP) for every camera on this port of --host (0: a free one; real cameras use 20002)
  --with-hub: beside the cameras, one simulated H200 hub (a C420, a C425 and a D230, and one sensor of each kind) with the cameras' password, printed after them (its lines as --hub prints them) and answering the same discovery
  --control: read fault switches on stdin, one JSON line each: {"camera": <index>, "faults": {"offline": true, ...}, "rtsp": {"freeze": true, "offline": true}, "motion": "motion"|"person"}, or with --hub {"child": <index>, "sleep": true|false}; answers {"control": <line number>, "ok": true|false, "error"?} on stdout
`
    );
    return;
  }
  if (values.hub) {
    return runHub(values);
  }
  const basePort = int(values['base-port'], '--base-port', 1, 65535);
  const autoMs = int(values['auto-motion-ms'], '--auto-motion-ms', 100, 86_400_000);
  const lockout = int(values['lockout-seconds'], '--lockout-seconds', 1, 86_400);
  const maxFailed = int(values['max-failed-logins'], '--max-failed-logins', 1, 100);
  const discoveryPort = int(values['discovery-port'], '--discovery-port', 0, 65535);
  const cards = list(values['sd-cards'], ['normal', 'none', 'broken', 'full', 'held'] as const, 'SD card state');
  // Media extras load only on request: they need ffmpeg and are not wanted by the API-only users.
  const factory = extras ?? (values.media ? (await import('./media-extras.ts')).simulatedMediaExtras : undefined);
  const fleet = await startSimulatedFleet({
    count: int(values.cameras, '--cameras', 1, 1000)!,
    host: values.host!,
    ...(basePort !== undefined ? { basePort } : {}),
    ...(values.models
      ? { profiles: list<ModelId | TpapFirmwareId>(values.models, [...MODEL_IDS, ...TPAP_FIRMWARE_IDS], 'model')! }
      : {}),
    ...(values.flows ? { loginFlows: list<SimLoginFlow>(values.flows, ['secure', 'legacy', 'tpap'], 'flow')! } : {}),
    ...(values.hashes ? { hashAlgos: list<HashAlgo>(values.hashes, ['sha256', 'md5'], 'hash')! } : {}),
    ...(values.password !== undefined ? { cloudPassword: values.password } : {}),
    ...(autoMs !== undefined ? { autoMotion: { meanIntervalMs: autoMs } } : {}),
    cameraOptions: () => ({
      ...(lockout !== undefined ? { lockoutSeconds: lockout } : {}),
      ...(maxFailed !== undefined ? { maxFailedLogins: maxFailed } : {}),
    }),
    ...(factory ? { extras: factory } : {}),
    ...(discoveryPort !== undefined ? { discoveryPort } : {}),
  });
  if (cards?.length) {
    fleet.cameras.forEach((cam, i) => {
      const want = cards[i % cards.length];
      cam.device.card.heldByApp = want === 'held';
      cam.device.card.state = want === 'held' ? 'normal' : want;
    });
  }
  for (const d of fleet.describe()) {
    process.stdout.write(JSON.stringify(d) + '\n');
  }
  // A whole home: the hub answers the cameras' discovery, as a real H200 on the same network does.
  const hub = values['with-hub']
    ? await SimulatedHub.start({
        name: 'Sim Hub',
        host: values.host!,
        cloudPassword: values.password ?? 'CloudPass123',
        sensors: SENSOR_SET,
        stream: false,
      })
    : null;
  if (hub) {
    fleet.discovery?.add({ hub });
    for (const d of hub.describe()) {
      process.stdout.write(JSON.stringify(d) + '\n');
    }
  }
  if (fleet.discovery) {
    // stderr: stdout carries exactly one line per camera for the scripts that read it.
    process.stderr.write(`simulator: discovery answers on udp ${fleet.discovery.host}:${fleet.discovery.port}\n`);
  }
  if (values.control) {
    readControl(fleet);
  }
  const stop = () => {
    void Promise.all([fleet.close(), hub?.close()]).then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

interface ControlLine {
  camera?: unknown;
  faults?: CameraFaults;
  rtsp?: SimRtspFaults;
  /** Trigger a motion or person event now (ONVIF and the last-alarm answer see it). */
  motion?: 'motion' | 'person';
}

type Answer = (ok: boolean, error?: string) => void;

/** One JSON line per switch on stdin (--control), each answered on stdout with its line number. */
function controlLines(apply: (msg: unknown, answer: Answer) => void): void {
  let n = 0;
  createInterface({ input: process.stdin }).on('line', (line) => {
    const at = ++n;
    const answer: Answer = (ok, error) =>
      void process.stdout.write(JSON.stringify({ control: at, ok, ...(error ? { error } : {}) }) + '\n');
    let msg: unknown;
    try {
      msg = JSON.parse(line);
    } catch {
      return answer(false, 'not JSON');
    }
    apply(msg, answer);
  });
}

/** Fault switches from stdin (--control), for tests that run the simulator as a process. */
function readControl(fleet: SimulatedFleet): void {
  controlLines((raw, answer) => {
    const msg = raw as ControlLine;
    const i = msg.camera;
    const cam = typeof i === 'number' && Number.isInteger(i) ? fleet.cameras[i] : undefined;
    if (!cam) {
      return answer(false, `no camera ${JSON.stringify(i)} (0..${fleet.cameras.length - 1})`);
    }
    const rtsp = (fleet.extras[i as number] as { rtsp?: SimRtspServer | null } | null)?.rtsp;
    if (msg.rtsp && !rtsp) {
      return answer(false, 'this camera serves no RTSP (start with --media)');
    }
    if (msg.faults) {
      cam.setFault(msg.faults);
    }
    if (msg.rtsp) {
      rtsp!.setFaults(msg.rtsp);
    }
    if (msg.motion === 'motion' || msg.motion === 'person') {
      cam.triggerMotion(msg.motion);
    }
    answer(true);
  });
}

async function runHub(values: {
  host?: string;
  'base-port'?: string;
  password?: string;
  flows?: string;
  'hub-children'?: string;
  'lockout-seconds'?: string;
  'max-failed-logins'?: string;
  control?: boolean;
}): Promise<void> {
  const flow = list<SimLoginFlow>(values.flows, ['secure', 'legacy', 'tpap'], 'flow')?.[0];
  const models = list<ChildModel>(values['hub-children'], ['C420', 'C425', 'D230'], 'child model');
  const lockout = int(values['lockout-seconds'], '--lockout-seconds', 1, 86_400);
  const maxFailed = int(values['max-failed-logins'], '--max-failed-logins', 1, 100);
  const port = int(values['base-port'], '--base-port', 1, 65535);
  const hub = await SimulatedHub.start({
    name: 'Sim Hub',
    host: values.host!,
    ...(port !== undefined ? { port } : {}),
    ...(flow ? { loginFlow: flow } : {}),
    ...(values.password !== undefined ? { cloudPassword: values.password } : {}),
    ...(lockout !== undefined ? { lockoutSeconds: lockout } : {}),
    ...(maxFailed !== undefined ? { maxFailedLogins: maxFailed } : {}),
    ...(models ? { children: models.map((model, i) => ({ model, alias: `${model} ${i + 1}` })) } : {}),
  });
  for (const d of hub.describe()) {
    process.stdout.write(JSON.stringify(d) + '\n');
  }
  if (values.control) {
    controlLines((msg, answer) => {
      const i = (msg as { child?: unknown }).child;
      const child = typeof i === 'number' && Number.isInteger(i) ? hub.children[i] : undefined;
      const sleep = (msg as { sleep?: unknown }).sleep;
      if (!child || typeof sleep !== 'boolean') {
        return answer(false, `expected {"child": 0..${hub.children.length - 1}, "sleep": true|false}`);
      }
      // Asleep and staying so: polls find it in power save, its live view ends and is refused.
      child.faults.wontWake = sleep;
      hub.streamServer?.setAsleep(child.deviceId, sleep);
      if (sleep) {
        child.sleep();
        hub.streamServer?.dropStreams();
      } else {
        child.wake();
      }
      answer(true);
    });
  }
  const stop = () => {
    void hub.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (invokedDirectly) {
  main().catch((e: unknown) => fail(e instanceof Error ? e.message : 'failed to start'));
}
