import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { camerasFromDatasource } from '../../src/config/datasource.ts';
import { loadYamlConfig, parseYamlConfig, substituteEnv } from '../../src/config/yaml.ts';
import { CameraListStore } from '../../src/config/persist.ts';
import { ConfigError, formatIssue } from '../../src/config/types.ts';

const SECRET = 'S3cret-Cloud-Pass!';

test('datasource settings: cameras with their secrets, defaults, host:port', () => {
  const r = camerasFromDatasource(
    {
      defaultPollIntervalSeconds: 45,
      retentionHours: 48,
      cameras: [
        { id: 'front', name: 'Front door', host: '192.168.1.20', cameraAccount: 'viewer', onvifPort: 2020 },
        {
          id: 'garage',
          name: 'Garage',
          host: 'garage.lan:8443',
          pollIntervalSeconds: 10,
          stream: 'stream1',
          tlsFingerprint: 'ab:'.repeat(31) + 'ab',
        },
      ],
    },
    { 'password.front': SECRET, 'cameraPassword.front': 'cam-pass', 'password.garage': 'g' },
    'datasource:uid1'
  );
  assert.deepEqual(r.issues, []);
  assert.equal(r.retentionHours, 48);
  const [front, garage] = r.cameras;
  assert.equal(front!.password, SECRET);
  assert.equal(front!.cameraPassword, 'cam-pass');
  assert.equal(front!.port, 443);
  assert.equal(front!.pollIntervalMs, 45_000);
  assert.equal(front!.username, 'admin');
  assert.equal(front!.source, 'datasource:uid1');
  assert.equal(garage!.host, 'garage.lan');
  assert.equal(garage!.port, 8443);
  assert.equal(garage!.pollIntervalMs, 10_000);
  assert.equal(garage!.tlsFingerprint, 'AB'.repeat(32));
});

test("datasource settings: a hub's camera added from its list uses the hub's cloud password", () => {
  const r = camerasFromDatasource(
    {
      cameras: [
        { id: 'hub', name: 'Hub', host: '192.168.1.30', kind: 'hub' },
        { id: 'garden', name: 'Garden', host: '192.168.1.30', hubChild: { hubId: 'hub', deviceId: 'ABC' } },
        // Behind a camera that is not a hub, or at another address: no password to borrow.
        { id: 'stray', name: 'Stray', host: '192.168.1.31', hubChild: { hubId: 'hub', deviceId: 'DEF' } },
      ],
    },
    { 'password.hub': SECRET },
    'datasource:uid1'
  );
  assert.deepEqual(
    r.cameras.map((c) => [c.id, c.kind ?? 'camera', c.password === SECRET, c.hubChild?.deviceId ?? null]),
    [
      ['hub', 'hub', true, null],
      ['garden', 'camera', true, 'ABC'],
    ]
  );
  assert.deepEqual(
    r.issues.map((i) => [i.cameraId, i.field]),
    [['stray', 'secureJsonData.password.stray']]
  );
});

test('a bad camera entry disables only that camera, with messages naming field and camera', () => {
  const r = camerasFromDatasource(
    {
      retentionHours: -3,
      cameras: [
        { id: 'ok', name: 'OK', host: '10.0.0.2' },
        { id: 'badhost', name: 'Bad host', host: 'https://10.0.0.3/x' },
        { id: 'bad id!', name: 'x', host: '10.0.0.4' },
        { id: 'fast', host: '10.0.0.5', pollIntervalSeconds: 0 },
        { id: 'nopass', host: '10.0.0.6' },
        { id: 'ok', host: '10.0.0.7' },
        'not an object',
        { id: 'leaky', host: '10.0.0.8', password: 'in-jsondata' },
      ],
    },
    { 'password.ok': 'a', 'password.badhost': 'b', 'password.fast': 'c', 'password.leaky': 'd' }
  );
  assert.deepEqual(
    r.cameras.map((c) => c.id),
    ['ok', 'leaky']
  );
  assert.equal(r.cameras[1]!.password, 'd', 'the secure password is used, the jsonData one ignored');
  const byField = (f: string) => r.issues.find((i) => i.field === f);
  assert.equal(byField('jsonData.cameras[1].host')!.cameraId, 'badhost');
  assert.match(byField('jsonData.cameras[1].host')!.message, /IP address or host name/);
  assert.equal(byField('jsonData.cameras[2].id')!.cameraId, null);
  assert.match(byField('jsonData.cameras[3].pollIntervalSeconds')!.message, /at least 1 second/);
  assert.match(
    formatIssue(byField('jsonData.cameras[3].pollIntervalSeconds')!),
    /^camera "fast": jsonData\.cameras\[3\]\.pollIntervalSeconds: /
  );
  assert.match(byField('secureJsonData.password.nopass')!.message, /not set/);
  assert.match(byField('jsonData.cameras[5].id')!.message, /duplicates/);
  assert.match(byField('jsonData.cameras[6]')!.message, /must be an object/);
  assert.equal(byField('jsonData.cameras[7]')!.severity, 'warning');
  assert.match(byField('jsonData.retentionHours')!.message, /at least 1 hour/);
  assert.equal(r.retentionHours, null);
  assert.doesNotMatch(JSON.stringify(r.issues), /in-jsondata|"a"|"b"/, 'no secret in any message');
});

test('YAML: ${ENV} substitution (with default and escape), snake_case keys, unset variables disable the camera', () => {
  const text = `
retention_hours: 12
cameras:
  - id: porch
    name: Porch
    host: 192.168.1.30
    password: \${PORCH_PASS}
    camera_account: viewer
    camera_password: "\${PORCH_CAM:-fallback}"
    poll_interval_seconds: 60
    note: hello
  - id: shed
    host: 192.168.1.31
    password: \${SHED_PASS}
  - id: typed
    host: 192.168.1.33
    password: \${NUMERIC_PASS}
    poll_interval_seconds: \${INTERVAL}
    disabled: \${OFF}
  - id: lit
    host: 192.168.1.32
    password: "a$\${literal}"
`;
  const r = parseYamlConfig(text, {
    env: { PORCH_PASS: 'p: "quoted" #x', NUMERIC_PASS: '123456', INTERVAL: '15', OFF: 'false' },
  });
  assert.equal(r.retentionHours, 12);
  assert.deepEqual(
    r.cameras.map((c) => c.id),
    ['porch', 'typed', 'lit']
  );
  const typed = r.cameras.find((c) => c.id === 'typed')!;
  assert.equal(typed.password, '123456', 'a numeric secret stays text');
  assert.equal(typed.pollIntervalMs, 15_000, 'a variable alone takes its type');
  assert.equal(typed.disabled, false);
  const porch = r.cameras[0]!;
  assert.equal(porch.password, 'p: "quoted" #x', 'secrets are substituted after parsing: their characters are safe');
  assert.equal(porch.cameraPassword, 'fallback');
  assert.equal(porch.cameraAccount, 'viewer');
  assert.equal(porch.pollIntervalMs, 60_000);
  assert.equal(r.cameras[2]!.password, 'a${literal}');
  const shed = r.issues.find((i) => i.cameraId === 'shed')!;
  assert.equal(shed.severity, 'error');
  assert.equal(shed.field, 'cameras[1].password');
  assert.match(shed.message, /SHED_PASS is not set/);
  assert.equal(r.issues.find((i) => i.field === 'cameras[0].note')!.severity, 'warning');
  const missing: string[] = [];
  assert.equal(substituteEnv('${A}-${B:-b}-$${C}', { A: 'a' }, missing), 'a-b-${C}');
  assert.deepEqual(missing, []);
});

test('YAML: broken files are one clear error, without echoing content', async () => {
  assert.throws(
    () => parseYamlConfig('cameras: [\n  - id: x\n    password: "hunter2\n'),
    (e: unknown) =>
      e instanceof ConfigError && /not valid YAML at line \d+/.test(e.message) && !e.message.includes('hunter2')
  );
  assert.throws(() => parseYamlConfig('- just\n- a list\n'), /top level must be a mapping/);
  assert.deepEqual(parseYamlConfig('').cameras, []);
  await assert.rejects(
    loadYamlConfig('/nonexistent/cameras.yaml'),
    /cannot read camera configuration \/nonexistent\/cameras\.yaml: ENOENT/
  );
  const r = parseYamlConfig('cameras: {id: x}');
  assert.match(r.issues[0]!.message, /must be a list/);
});

test('YAML from a file', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tapo-cfg-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const f = join(dir, 'cameras.yaml');
  writeFileSync(f, 'cameras:\n  - id: a\n    host: 10.0.0.1\n    password: ${A_PASS}\n');
  const r = await loadYamlConfig(f, { A_PASS: 'x' });
  assert.equal(r.cameras[0]!.password, 'x');
  assert.equal(r.cameras[0]!.source, `yaml:${f}`);
});

test('persisted camera list: secrets only AES-GCM encrypted with TAPO_SECRET_KEY, none without it', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tapo-persist-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const { cameras } = camerasFromDatasource(
    {
      cameras: [
        { id: 'a', name: 'A', host: '10.0.0.1' },
        { id: 'b', host: '10.0.0.2' },
      ],
    },
    { 'password.a': SECRET, 'password.b': 'other-pass', 'cameraPassword.a': 'camacct' },
    'datasource:u1'
  );

  const withKey = new CameraListStore({ dataDir: dir, secretKey: 'k3y-from-env' });
  await withKey.save('datasource:u1', cameras);
  const raw = readFileSync(join(dir, 'cameras.json'), 'utf8');
  assert.doesNotMatch(raw, /S3cret|other-pass|camacct/, 'no secret in clear on disk');
  assert.match(raw, /aes-256-gcm/);
  const [back] = await new CameraListStore({ dataDir: dir, secretKey: 'k3y-from-env' }).load();
  assert.equal(back!.secretsMissing, false);
  assert.deepEqual(back!.cameras, cameras, 'the same cameras, secrets restored');

  const [noKey] = await new CameraListStore({ dataDir: dir, secretKey: null }).load();
  assert.equal(noKey!.secretsMissing, true);
  assert.deepEqual(
    noKey!.cameras.map((c) => [c.id, c.password, c.cameraPassword]),
    [
      ['a', null, null],
      ['b', null, null],
    ]
  );
  const [wrongKey] = await new CameraListStore({ dataDir: dir, secretKey: 'another key' }).load();
  assert.equal(wrongKey!.secretsMissing, true);
  assert.equal(wrongKey!.cameras[0]!.password, null);

  // Tampering is detected (GCM): the secrets are not used.
  const shape = JSON.parse(raw);
  const data = Buffer.from(shape.sources['datasource:u1'].secrets.data, 'base64');
  data[0] ^= 1;
  shape.sources['datasource:u1'].secrets.data = data.toString('base64');
  writeFileSync(join(dir, 'cameras.json'), JSON.stringify(shape));
  assert.equal((await withKey.load())[0]!.cameras[0]!.password, null);

  // Without a key the list is saved without secrets.
  const noKeyStore = new CameraListStore({ dataDir: dir, secretKey: '' });
  await noKeyStore.save('datasource:u2', cameras);
  assert.doesNotMatch(readFileSync(join(dir, 'cameras.json'), 'utf8'), /S3cret|other-pass|camacct/);
  const both = await noKeyStore.load();
  assert.deepEqual(both.map((s) => s.source).sort(), ['datasource:u1', 'datasource:u2']);
  await noKeyStore.save('datasource:u1', []);
  assert.deepEqual(
    (await noKeyStore.load()).map((s) => s.source),
    ['datasource:u2'],
    'an empty list removes the section'
  );
});
