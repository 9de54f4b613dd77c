/**
 * The settings page of the Tapo Cameras datasource. Cameras are a list of compact rows (name, host,
 * model and live status from the sidecar, an enable switch, removal after confirmation), each
 * opening its form (CameraSettingsEditor) with a Test button; "Find cameras on my network" adds
 * what discovery found (cameras and hubs) as folded rows, several at once with one cloud password
 * typed once (each keeps it in its own secure field). A hub's row lists what is behind it; a camera
 * behind a hub says which hub and has none of the address, password, RTSP or ONVIF fields. Errors are summed up at the top (each line opens its camera) and marked on
 * the camera's row, but a new camera's fields only once touched. Connection and defaults are folded
 * under "Additional settings". Passwords are keyed by camera id in secureJsonData: an id another
 * camera holds is refused where it is typed, so no row can show, reset or overwrite another's.
 */
import type { DataSourcePluginOptionsEditorProps } from '@grafana/data';
import { Alert, Button, Field, FieldSet, Input, RadioButtonGroup } from '@grafana/ui';
import React, { useRef, useState } from 'react';

import {
  LIMITS,
  LIVE_DEFAULT_FPS,
  LIVE_DEFAULT_WIDTH,
  secretKeys,
  type CameraSettings,
  type ConnectionMode,
} from '../../shared/query';
import {
  cameraField,
  deriveCameraId,
  urlCredentials,
  validateSettings,
  type SettingsErrors,
} from '../settingsValidation';
import { SETTINGS_DEFAULTS, type TapoSecureJsonData, type TapoOptions } from '../types';
import { CameraRow } from './CameraRow';
import { CameraSettingsEditor } from './CameraSettingsEditor';
import { CameraTestButton } from './CameraTestButton';
import { ConfigSection } from './ConfigSection';
import { DiscoverCameras, type FoundDevice } from './DiscoverCameras';
import { HubChildren, type HubChildToAdd } from './HubChildren';
import { hubDevices, hubSummary } from './hubContents';
import { HubDeviceList } from './HubDeviceList';
import { NumberField } from './NumberField';
import { FIELD_LABELS } from './options';
import { SidecarStatus } from './SidecarStatus';
import { useLiveStatus } from './useLiveStatus';
import { useOwnership } from './useOwnership';

type Props = DataSourcePluginOptionsEditorProps<TapoOptions, TapoSecureJsonData>;
type SecretKind = keyof typeof secretKeys;
const SECRET_KINDS: SecretKind[] = ['password', 'cameraPassword', 'restreamUser', 'restreamPassword'];

const CONNECTION_OPTIONS: Array<{ label: string; value: ConnectionMode; description: string }> = [
  { label: 'Managed', value: 'managed', description: 'Grafana starts the bundled sidecar next to itself' },
  { label: 'Sidecar', value: 'sidecar', description: 'The sidecar runs elsewhere (its own container)' },
];

/**
 * Which account is which: needed while accounts are typed, so it stands above the first open form
 * (or the empty list), never above the folded rows, which it would push down.
 */
const ACCOUNTS_HELP = (
  <Alert severity="info" title="Each camera uses two different accounts">
    <ul>
      <li>
        <strong>Local API</strong> (status, PTZ, privacy): user <code>admin</code> with the owner&apos;s{' '}
        <strong>TP-Link cloud password</strong>, the one used to log in to the Tapo app. Turn on{' '}
        <strong>Third-Party Compatibility</strong> in the Tapo app (Me → Tapo Lab), or the camera refuses the login.
      </li>
      <li>
        <strong>Camera account</strong> (RTSP video and ONVIF motion events): the username and password created in the
        Tapo app under Camera Settings → Advanced Settings → Camera Account.
      </li>
    </ul>
    Passwords are stored encrypted by Grafana and never shown again.
  </Alert>
);

let rowCounter = 0;
const newRowKey = () => `cam${++rowCounter}`;

export function ConfigEditor({ options, onOptionsChange }: Props) {
  const jsonData = options.jsonData ?? {};
  const cameras = jsonData.cameras ?? [];
  const secureFields = options.secureJsonFields ?? {};
  const secureData: TapoSecureJsonData = options.secureJsonData ?? {};
  const allErrors = validateSettings(jsonData);
  // A hub's list read through the sidecar also brought its cameras and sensors there: ask again.
  const [hubListings, setHubListings] = useState(0);
  const live = useLiveStatus(options.uid, options.version, hubListings);
  const ownership = useOwnership(options.uid, options.version);

  // Row keys keep React state attached to a camera while its id is being edited.
  const [rowKeys, setRowKeys] = useState<string[]>(() => cameras.map(() => newRowKey()));
  const keys = cameras.map((_, i) => rowKeys[i] ?? `extra${i}`);
  // The ids as last saved (Grafana bumps `version` on save); a new camera's id follows its name
  // until the user edits the id.
  const [saved, setSaved] = useState(() => ({
    version: options.version,
    ids: new Map(keys.map((k, i) => [k, cameras[i].id])),
  }));
  if (saved.version !== options.version) {
    setSaved({ version: options.version, ids: new Map(keys.map((k, i) => [k, cameras[i].id])) });
  }
  const savedIds = saved.ids;
  const [expanded, setExpanded] = useState<Set<string>>(() => new Set());
  const toggle = (key: string) =>
    setExpanded((prev) => {
      const next = new Set(prev);
      return next.delete(key) ? next : next.add(key);
    });
  // Cameras added since the last save show a field's error only once it was changed (or saved).
  const [fresh, setFresh] = useState({ version: options.version, keys: new Set<string>(), touched: new Set<string>() });
  if (fresh.version !== options.version) {
    setFresh({ version: options.version, keys: new Set(), touched: new Set() });
  }
  const touch = (key: string, fields: string[]) =>
    setFresh((prev) => ({ ...prev, touched: new Set([...prev.touched, ...fields.map((f) => `${key}.${f}`)]) }));
  const errors: SettingsErrors = {};
  for (const [field, message] of Object.entries(allErrors)) {
    const m = /^cameras\.(\d+)\.(\w+)$/.exec(field);
    const key = m ? keys[Number(m[1])] : undefined;
    if (!key || !fresh.keys.has(key) || fresh.touched.has(`${key}.${m![2]}`)) {
      errors[field] = message;
    }
  }
  const [additionalOpen] = useState(
    () => jsonData.connection === 'sidecar' || Object.keys(allErrors).some((f) => !f.startsWith('cameras.'))
  );
  const [autoId, setAutoId] = useState<Set<string>>(() => new Set());
  // An id typed that another row holds is refused: it stays here (shown with the field's error) and
  // never reaches jsonData, so no row can read, reset or write another camera's secret keys.
  const [idDrafts, setIdDrafts] = useState<Record<string, string>>({});
  const takenBy = (id: string, index: number) => cameras.findIndex((c, i) => i !== index && c.id === id);
  const duplicateMessage = (other: number) =>
    `Id "${cameras[other].id}" is already used by camera ${other + 1}${cameras[other].name ? ` (${cameras[other].name})` : ''}`;
  /**
   * The row that owns the secret keys of an id. Settings saved by older versions may hold an id
   * twice: then only the row saved with it (or else the first) sees, resets or writes them.
   */
  const ownsSecrets = (index: number) => {
    const id = cameras[index].id;
    const holders = cameras.map((c, i) => (c.id === id ? i : -1)).filter((i) => i >= 0);
    if (holders.length < 2) {
      return true;
    }
    const savedHolder = holders.find((i) => savedIds.get(keys[i]) === id);
    return (savedHolder ?? holders[0]) === index;
  };
  // Saved passwords an id change cleared since the last save (event handlers only): an id changed
  // back to the saved one gets them back.
  const clearedByRename = useRef({ version: options.version, keys: new Set<string>() });
  const cleared = () => {
    if (clearedByRename.current.version !== options.version) {
      clearedByRename.current = { version: options.version, keys: new Set() };
    }
    return clearedByRename.current.keys;
  };

  type Secure = { data: TapoSecureJsonData; fields: Record<string, boolean> };
  const emit = (nextJson: TapoOptions, secure?: Secure) =>
    onOptionsChange({
      ...options,
      jsonData: nextJson,
      secureJsonData: secure ? secure.data : options.secureJsonData,
      secureJsonFields: secure ? secure.fields : options.secureJsonFields,
    });
  const setJson = (patch: Partial<TapoOptions>) => emit({ ...jsonData, ...patch });
  const withCamera = (index: number, patch: Partial<CameraSettings>) => {
    touch(keys[index], Object.keys(patch));
    return cameras.map((c, i) => (i === index ? { ...c, ...patch } : c));
  };

  /**
   * Moves typed (unsaved) passwords to the new id; saved ones cannot move, so they are cleared (and
   * come back if the id returns to the saved one). Keys another camera uses (a duplicate id while
   * typing) are that camera's: nothing is moved out of or into them.
   */
  const renameSecrets = (
    oldId: string,
    newId: string,
    stillUsed: boolean,
    newTaken: boolean,
    savedId: string | undefined
  ): Secure => {
    const data = { ...secureData };
    const fields = { ...secureFields };
    for (const kind of SECRET_KINDS) {
      const from = secretKeys[kind](oldId);
      const to = secretKeys[kind](newId);
      if (data[from] && !stillUsed) {
        if (!newTaken) {
          data[to] = data[from];
        }
        delete data[from];
      }
      if (fields[from] && !stillUsed) {
        fields[from] = false;
        data[from] = '';
        cleared().add(from);
      }
      if (newId === savedId && !newTaken && !data[to] && cleared().has(to)) {
        fields[to] = true;
        delete data[to];
        cleared().delete(to);
      }
    }
    return { data, fields };
  };

  const changeId = (index: number, newId: string, changed: CameraSettings[]) => {
    const oldId = cameras[index].id;
    // A hub's rows behind it name it by id: they follow it.
    const nextCameras =
      cameras[index].kind === 'hub' && oldId !== newId
        ? changed.map((c) => (c.hubChild?.hubId === oldId ? { ...c, hubChild: { ...c.hubChild, hubId: newId } } : c))
        : changed;
    const others = nextCameras.filter((_, i) => i !== index);
    const stillUsed = others.some((c) => c.id === oldId);
    const newTaken = others.some((c) => c.id === newId);
    const secure =
      oldId === newId ? undefined : renameSecrets(oldId, newId, stillUsed, newTaken, savedIds.get(keys[index]));
    emit({ ...jsonData, cameras: nextCameras }, secure);
  };

  const onNameChange = (index: number, name: string) => {
    if (!autoId.has(keys[index])) {
      setJson({ cameras: withCamera(index, { name }) });
      return;
    }
    const others = cameras.filter((_, i) => i !== index).map((c) => c.id);
    const id = deriveCameraId(name, others);
    changeId(index, id, withCamera(index, { name, id }));
  };

  const onIdChange = (index: number, id: string) => {
    const key = keys[index];
    setAutoId((prev) => new Set([...prev].filter((k) => k !== key)));
    touch(key, ['id']);
    if (takenBy(id, index) >= 0) {
      setIdDrafts((prev) => ({ ...prev, [key]: id }));
      return;
    }
    setIdDrafts(({ [key]: _dropped, ...rest }) => rest);
    changeId(index, id, withCamera(index, { id }));
  };

  /**
   * New rows: one typed by hand opens for editing; those found (discovery, a hub's list) come folded,
   * named (the id follows the name) and addressed. A cloud password typed once for several goes to
   * each one's own secure field, never to jsonData.
   */
  const addRows = (
    found: Array<{ name: string; host: string; kind?: 'hub'; hubChild?: HubChildToAdd['hubChild'] }>,
    { open = false, password = '' } = {}
  ) => {
    const newKeys = found.map(() => newRowKey());
    setRowKeys([...keys, ...newKeys]);
    if (open) {
      setExpanded((prev) => new Set([...prev, ...newKeys]));
    }
    setFresh((prev) => ({ ...prev, keys: new Set([...prev.keys, ...newKeys]) }));
    setAutoId((prev) => new Set([...prev, ...newKeys]));
    const taken = cameras.map((c) => c.id);
    const added = found.map((f): CameraSettings => {
      const id = deriveCameraId(f.name || 'camera', taken);
      taken.push(id);
      return {
        id,
        name: f.name,
        host: f.host,
        username: SETTINGS_DEFAULTS.username,
        ...(f.kind === 'hub' ? { kind: 'hub' as const } : {}),
        ...(f.hubChild ? { hubChild: f.hubChild } : {}),
      };
    });
    const nextJson = { ...jsonData, cameras: [...cameras, ...added] };
    // A camera behind a hub uses the hub's password: it gets none of its own.
    const withPassword = password ? added.filter((c) => !c.hubChild) : [];
    if (withPassword.length === 0) {
      emit(nextJson);
      return;
    }
    const data = { ...secureData };
    for (const c of withPassword) {
      data[secretKeys.password(c.id)] = password;
    }
    emit(nextJson, { data, fields: { ...secureFields } });
  };
  const addCamera = () => addRows([{ name: '', host: '' }], { open: true });
  const addFound = (devices: FoundDevice[], password: string) =>
    addRows(
      devices.map((d) => ({ name: d.name, host: d.host, ...(d.kind === 'hub' ? { kind: 'hub' as const } : {}) })),
      { password }
    );
  const addHubChild = (child: HubChildToAdd) => addRows([child]);

  /**
   * A hub's address is its cameras' too (they log in through it, with its password, only while the
   * addresses match): rows behind it, which have no address field, follow a change.
   */
  const changeCamera = (index: number, patch: Partial<CameraSettings>) => {
    const camera = cameras[index];
    const next = withCamera(index, patch);
    if (camera.kind !== 'hub' || patch.host === undefined || patch.host === camera.host) {
      return setJson({ cameras: next });
    }
    setJson({
      cameras: next.map((c) => (c.hubChild?.hubId === camera.id ? { ...c, host: patch.host! } : c)),
    });
  };

  const removeCamera = (index: number) => {
    const removed = cameras[index];
    setExpanded((prev) => {
      const next = new Set(prev);
      next.delete(keys[index]);
      return next;
    });
    const rest = cameras.filter((_, i) => i !== index);
    setRowKeys(keys.filter((_, i) => i !== index));
    const data = { ...secureData };
    const fields = { ...secureFields };
    if (!rest.some((c) => c.id === removed.id)) {
      // Clear the removed camera's stored passwords, as Grafana's reset does.
      for (const kind of SECRET_KINDS) {
        const key = secretKeys[kind](removed.id);
        delete data[key];
        if (fields[key]) {
          fields[key] = false;
          data[key] = '';
        }
      }
    }
    emit({ ...jsonData, cameras: rest }, { data, fields });
  };

  const setSecret = (index: number, kind: SecretKind, value: string) => {
    if (!ownsSecrets(index)) {
      return;
    }
    const key = secretKeys[kind](cameras[index].id);
    emit(jsonData, { data: { ...secureData, [key]: value }, fields: { ...secureFields } });
  };

  const resetSecret = (index: number, kind: SecretKind) => {
    if (!ownsSecrets(index)) {
      return;
    }
    const key = secretKeys[kind](cameras[index].id);
    cleared().delete(key);
    emit(jsonData, { data: { ...secureData, [key]: '' }, fields: { ...secureFields, [key]: false } });
  };

  /** A user and password typed into the restream URL go to the secure fields; the URL keeps neither. */
  const moveUrlCredentials = (index: number) => {
    const camera = cameras[index];
    const found = urlCredentials(camera.rtspUrlOverride ?? '');
    if (!found || found === 'parameter' || !ownsSecrets(index)) {
      return;
    }
    const data = { ...secureData, [secretKeys.restreamUser(camera.id)]: found.user };
    if (found.password) {
      data[secretKeys.restreamPassword(camera.id)] = found.password;
    }
    emit(
      { ...jsonData, cameras: withCamera(index, { rtspUrlOverride: found.bare }) },
      { data, fields: { ...secureFields } }
    );
  };

  const secretState = (index: number, kind: SecretKind) => {
    if (!ownsSecrets(index)) {
      return { configured: false, value: '', locked: true };
    }
    const key = secretKeys[kind](cameras[index].id);
    return { configured: Boolean(secureFields[key]), value: secureData[key] ?? '' };
  };

  const idDraftErrorOf = (index: number): string | undefined => {
    const draft = idDrafts[keys[index]];
    const other = draft === undefined ? -1 : takenBy(draft, index);
    return other >= 0 ? duplicateMessage(other) : undefined;
  };
  /** Each line of the error summary; a camera's line opens its form. */
  const summary: Array<{ text: string; rowKey?: string }> = [];
  cameras.forEach((camera, index) => {
    const draftError = idDraftErrorOf(index);
    const messages = Object.entries(errors)
      .filter(([f]) => f.startsWith(`cameras.${index}.`))
      .map(([f, m]) => (draftError && f === cameraField(index, 'id') ? draftError : m));
    if (draftError && !messages.includes(draftError)) {
      messages.unshift(draftError);
    }
    const label = `Camera ${index + 1}${camera.name ? ` (${camera.name})` : ''}`;
    messages.forEach((m) => summary.push({ text: `${label}: ${m}`, rowKey: keys[index] }));
  });
  Object.entries(errors)
    .filter(([f]) => !f.startsWith('cameras.'))
    .forEach(([, m]) => summary.push({ text: `Additional settings: ${m}` }));

  const connection = jsonData.connection ?? SETTINGS_DEFAULTS.connection;
  const defaultPoll = jsonData.defaultPollIntervalSeconds ?? SETTINGS_DEFAULTS.defaultPollIntervalSeconds;

  return (
    <div>
      {summary.length > 0 && (
        <Alert
          severity="error"
          title={summary.length === 1 ? '1 setting needs attention' : `${summary.length} settings need attention`}
        >
          <ul aria-label="Settings that need attention">
            {summary.map(({ text, rowKey }) => (
              <li key={text}>
                {rowKey && !expanded.has(rowKey) ? (
                  <Button variant="secondary" fill="text" size="sm" onClick={() => toggle(rowKey)}>
                    {text}
                  </Button>
                ) : (
                  text
                )}
              </li>
            ))}
          </ul>
        </Alert>
      )}
      <FieldSet label="Cameras">
        {cameras.length === 0 && ACCOUNTS_HELP}
        {cameras.length === 0 && <p>No cameras yet.</p>}
        {cameras.map((camera, index) => {
          const key = keys[index];
          const savedId = savedIds.get(key);
          const firstOpen = keys.findIndex((k) => expanded.has(k)) === index;
          const cameraErrors =
            idDraftErrorOf(index) ?? Object.keys(errors).some((f) => f.startsWith(`cameras.${index}.`));
          const isSaved = savedId !== undefined && savedId === camera.id;
          const hubIndex = camera.hubChild ? cameras.findIndex((c) => c.id === camera.hubChild!.hubId) : -1;
          const hubName = camera.hubChild
            ? hubIndex >= 0
              ? cameras[hubIndex].name || cameras[hubIndex].id
              : camera.hubChild.hubId
            : undefined;
          const behind = camera.kind === 'hub' ? hubDevices(camera, cameras, isSaved ? [...live.values()] : []) : [];
          return (
            <CameraRow
              key={key}
              index={index}
              camera={camera}
              live={isSaved ? live.get(camera.id) : undefined}
              ownership={isSaved ? ownership.get(camera.id) : undefined}
              hasErrors={Boolean(cameraErrors)}
              behindHub={hubName}
              hubContents={camera.kind === 'hub' ? hubSummary(behind) : undefined}
              expanded={expanded.has(key)}
              onToggle={() => toggle(key)}
              onEnabledChange={(enabled) => setJson({ cameras: withCamera(index, { disabled: !enabled }) })}
              onRemove={() => removeCamera(index)}
            >
              {firstOpen && !camera.hubChild && ACCOUNTS_HELP}
              <CameraSettingsEditor
                key={key}
                rowKey={key}
                index={index}
                camera={camera}
                errors={errors}
                password={secretState(index, 'password')}
                cameraPassword={secretState(index, 'cameraPassword')}
                restreamUser={secretState(index, 'restreamUser')}
                restreamPassword={secretState(index, 'restreamPassword')}
                onMoveUrlCredentials={() => moveUrlCredentials(index)}
                savedIdChanged={savedId !== undefined && savedId !== camera.id ? savedId : undefined}
                defaultPollIntervalSeconds={defaultPoll}
                hubName={hubName}
                onChange={(patch) => changeCamera(index, patch)}
                onNameChange={(name) => onNameChange(index, name)}
                onIdChange={(id) => onIdChange(index, id)}
                idDraft={idDrafts[key]}
                idDraftError={idDraftErrorOf(index)}
                onSecretChange={(kind, value) => setSecret(index, kind, value)}
                onSecretReset={(kind) => resetSecret(index, kind)}
              />
              <CameraTestButton
                uid={options.uid}
                cameraId={camera.id}
                cameraLabel={`camera ${index + 1}`}
                saved={isSaved}
              />
              {camera.kind === 'hub' && (
                <HubDeviceList hubName={camera.name || camera.id} devices={behind} saved={isSaved} />
              )}
              <HubChildren
                uid={options.uid}
                camera={camera}
                saved={isSaved}
                cameras={cameras}
                onChange={(patch) => changeCamera(index, patch)}
                onAdd={addHubChild}
                onListed={() => setHubListings((n) => n + 1)}
              />
            </CameraRow>
          );
        })}
        <Button icon="plus" variant="secondary" onClick={() => addCamera()}>
          Add camera
        </Button>
        <ConfigSection
          title="Find cameras on my network"
          description="The sidecar asks the network for Tapo cameras and hubs; add the ones you want, one by one or all together."
        >
          <DiscoverCameras
            uid={options.uid}
            configured={
              // A camera behind a hub shares the hub's address: that address is the hub's row.
              new Map(
                cameras
                  .map((c, i) => [c, i] as const)
                  .filter(([c]) => !c.hubChild)
                  .map(([c, i]) => [c.host, `camera ${i + 1}`])
              )
            }
            onAdd={addFound}
          />
        </ConfigSection>
      </FieldSet>
      <ConfigSection
        title="Additional settings"
        description="How Grafana reaches the sidecar, and defaults for polling, history and live pictures."
        defaultOpen={additionalOpen}
      >
        <FieldSet label="Connection">
          <Field
            label="Sidecar"
            description="Managed: Grafana runs the bundled sidecar (needs node 22.13+ on the Grafana host). Sidecar: it runs in its own container and Grafana reaches it through sidecar_address."
          >
            <RadioButtonGroup<ConnectionMode>
              options={CONNECTION_OPTIONS}
              value={connection}
              onChange={(value) => setJson({ connection: value })}
            />
          </Field>
          {connection === 'sidecar' && <SidecarStatus uid={options.uid} />}
        </FieldSet>

        <FieldSet label="Defaults">
          <NumberField
            id="tapo-default-poll"
            label={`Default ${FIELD_LABELS.pollInterval.toLowerCase()}`}
            description="For cameras without their own interval"
            error={errors.defaultPollIntervalSeconds}
            value={jsonData.defaultPollIntervalSeconds}
            placeholder={SETTINGS_DEFAULTS.defaultPollIntervalSeconds}
            onChange={(defaultPollIntervalSeconds) => setJson({ defaultPollIntervalSeconds })}
          />
          <NumberField
            id="tapo-retention"
            label="History retention (hours)"
            description="How long polled metrics and events are kept"
            error={errors.retentionHours}
            value={jsonData.retentionHours}
            placeholder={SETTINGS_DEFAULTS.retentionHours}
            onChange={(retentionHours) => setJson({ retentionHours })}
          />
          <NumberField
            id="tapo-live-fps"
            label={FIELD_LABELS.fps}
            description={`Default rate of live pictures, ${LIMITS.liveFps.min} to ${LIMITS.liveFps.max}`}
            error={errors.liveFps}
            value={jsonData.liveFps}
            placeholder={LIVE_DEFAULT_FPS}
            onChange={(liveFps) => setJson({ liveFps })}
          />
          <NumberField
            id="tapo-live-width"
            label={FIELD_LABELS.width}
            description={`Default width of live pictures in pixels, ${LIMITS.liveWidth.min} to ${LIMITS.liveWidth.max}`}
            error={errors.liveWidth}
            value={jsonData.liveWidth}
            placeholder={LIVE_DEFAULT_WIDTH}
            onChange={(liveWidth) => setJson({ liveWidth })}
          />
          <Field
            label="ffmpeg path"
            description="Used to grab frames from RTSP; empty means ffmpeg on the sidecar's PATH"
          >
            <Input
              id="tapo-ffmpeg"
              width={40}
              placeholder="ffmpeg"
              value={jsonData.ffmpegPath ?? ''}
              onChange={(e) => setJson({ ffmpegPath: e.currentTarget.value || undefined })}
            />
          </Field>
        </FieldSet>
      </ConfigSection>
    </div>
  );
}
