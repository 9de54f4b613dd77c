/**
 * The form of one camera in the config editor, opened from its row, in three groups: "Camera" (name
 * and id, which keys its history, passwords and channels; host; poll interval), "Accounts" (the
 * local API's admin with the TP-Link cloud password, and the camera account for RTSP and ONVIF) and
 * "Video and events" (camera stream, ONVIF port, an optional restream with its own secure account).
 * Each group is a grid of two columns where the form is wide and one where it is narrow, so a
 * user and its password stand side by side. Passwords go to secureJsonData under keys derived from
 * the id; the ConfigEditor decides which keys a row may see. A hub has a small form of its own (name,
 * id, address, cloud password); a camera behind a hub has no address, passwords, RTSP or ONVIF of its
 * own (all are the hub's): only its name, id and stream.
 */
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Alert, Button, Field, Input, RadioButtonGroup, useStyles2 } from '@grafana/ui';
import React from 'react';

import type { CameraSettings } from '../../shared/query';
import { cameraField, urlCredentials, type SettingsErrors } from '../settingsValidation';
import { SETTINGS_DEFAULTS } from '../types';
import { NumberField } from './NumberField';
import { FIELD_LABELS, SETTINGS_STREAM_OPTIONS } from './options';
import { SecretField, type SecretState } from './SecretField';

export type { SecretState };

export type SecretKind = 'password' | 'cameraPassword' | 'restreamUser' | 'restreamPassword';

interface Props {
  index: number;
  rowKey: string;
  camera: CameraSettings;
  errors: SettingsErrors;
  /** Passwords under this camera's id: the cloud password (local API) and the camera account's. */
  password: SecretState;
  cameraPassword: SecretState;
  /** The restream's own account (secureJsonData), never written into the URL. */
  restreamUser: SecretState;
  restreamPassword: SecretState;
  /** An id typed that another camera holds: refused, shown with its error until changed. */
  idDraft?: string;
  idDraftError?: string;
  /** The id this camera was saved with, when it differs from the current one. */
  savedIdChanged?: string;
  defaultPollIntervalSeconds: number;
  onChange: (patch: Partial<CameraSettings>) => void;
  onNameChange: (name: string) => void;
  onIdChange: (id: string) => void;
  onSecretChange: (kind: SecretKind, value: string) => void;
  onSecretReset: (kind: SecretKind) => void;
  /** Moves a user and password typed into the restream URL into the secure fields. */
  onMoveUrlCredentials: () => void;
  /** A camera behind a hub: the hub's name, as its row says it. */
  hubName?: string;
}

export function CameraSettingsEditor(props: Props) {
  const { index, rowKey, camera, errors, password, cameraPassword, onChange } = props;
  const styles = useStyles2(getStyles);
  const err = (field: keyof CameraSettings) => errors[cameraField(index, field)];
  const fid = (field: string) => `tapo-${rowKey}-${field}`;
  const inUrl = urlCredentials(camera.rtspUrlOverride ?? '');
  const showRestreamAccount =
    Boolean(camera.rtspUrlOverride) || props.restreamUser.configured || props.restreamPassword.configured;
  // Name and id, the same for every kind of row.
  const nameAndId = (
    <>
      <Field
        label="Name"
        description="Shown in panels, legends and alerts"
        invalid={Boolean(err('name'))}
        error={err('name')}
      >
        <Input
          id={fid('name')}
          width={40}
          value={camera.name ?? ''}
          placeholder="Front door"
          onChange={(e) => props.onNameChange(e.currentTarget.value)}
        />
      </Field>
      <Field
        label="Id"
        description="Keys this camera's history, passwords and live channels. Follows the name for a new camera; keep it once saved."
        invalid={Boolean(props.idDraftError ?? err('id'))}
        error={props.idDraftError ?? err('id')}
      >
        <Input
          id={fid('id')}
          width={40}
          value={props.idDraft ?? camera.id ?? ''}
          onChange={(e) => props.onIdChange(e.currentTarget.value)}
        />
      </Field>
      {props.savedIdChanged && (
        <div className={styles.wholeRow}>
          <Alert severity="warning" title={`Saved as “${props.savedIdChanged}”`}>
            Its history stays under that id and its passwords were cleared; enter them again, or change the id back.
          </Alert>
        </div>
      )}
    </>
  );
  const hostField = (
    <Field
      label="Host"
      description="IP address or hostname on your network, e.g. 192.168.1.20"
      invalid={Boolean(err('host'))}
      error={err('host')}
    >
      <Input
        id={fid('host')}
        width={40}
        value={camera.host ?? ''}
        placeholder="192.168.1.20"
        onChange={(e) => onChange({ host: e.currentTarget.value.trim() })}
      />
    </Field>
  );
  const cloudPassword = (
    <SecretField
      id={fid('password')}
      label="TP-Link cloud password"
      description="The owner's Tapo app password. Third-Party Compatibility must be on (Tapo app → Me → Tapo Lab)."
      placeholder="Cloud password"
      state={password}
      onChange={(value) => props.onSecretChange('password', value)}
      onReset={() => props.onSecretReset('password')}
    />
  );
  const group = (label: string, children: React.ReactNode) => (
    <div role="group" aria-label={label} data-testid={`camera-${index}`}>
      {children}
    </div>
  );

  if (camera.hubChild) {
    const hub = props.hubName ?? camera.hubChild.hubId;
    return group(
      `Camera ${index + 1}${camera.name ? `: ${camera.name}` : ''}, behind hub ${hub}`,
      <fieldset className={styles.group}>
        <legend className={styles.legend}>Camera behind hub {hub}</legend>
        <p className={styles.note}>
          Reached through hub {hub}: its address and cloud password. The hub streams it (no RTSP or ONVIF of its own).
        </p>
        <div className={styles.grid}>
          {nameAndId}
          <Field label={FIELD_LABELS.cameraStream} description="For its live view through the hub">
            <RadioButtonGroup
              options={SETTINGS_STREAM_OPTIONS}
              value={camera.stream ?? SETTINGS_DEFAULTS.stream}
              onChange={(stream) => onChange({ stream })}
            />
          </Field>
        </div>
      </fieldset>
    );
  }

  if (camera.kind === 'hub') {
    return group(
      `Hub ${index + 1}${camera.name ? `: ${camera.name}` : ''}`,
      <fieldset className={styles.group}>
        <legend className={styles.legend}>Hub</legend>
        <div className={styles.grid}>
          {nameAndId}
          {hostField}
          {cloudPassword}
        </div>
      </fieldset>
    );
  }

  return (
    <div
      role="group"
      aria-label={`Camera ${index + 1}${camera.name ? `: ${camera.name}` : ''}`}
      data-testid={`camera-${index}`}
    >
      <fieldset className={styles.group}>
        <legend className={styles.legend}>Camera</legend>
        <div className={styles.grid}>
          {nameAndId}
          {hostField}
          <NumberField
            id={fid('poll')}
            label={FIELD_LABELS.pollInterval}
            description={`How often status is read; empty uses the default (${props.defaultPollIntervalSeconds} s)`}
            error={err('pollIntervalSeconds')}
            value={camera.pollIntervalSeconds}
            placeholder={props.defaultPollIntervalSeconds}
            onChange={(pollIntervalSeconds) => onChange({ pollIntervalSeconds })}
          />
        </div>
      </fieldset>

      <fieldset className={styles.group}>
        <legend className={styles.legend}>Accounts</legend>
        <div className={styles.grid}>
          <Field
            label="Local API user"
            description="Status, PTZ and privacy use the camera's local API. The user is admin, with the camera owner's TP-Link cloud password (the Tapo app login)."
          >
            <Input
              id={fid('username')}
              width={40}
              value={camera.username ?? ''}
              placeholder={SETTINGS_DEFAULTS.username}
              onChange={(e) => onChange({ username: e.currentTarget.value || undefined })}
            />
          </Field>
          {cloudPassword}
          <Field
            label="Camera account user"
            description="For video (RTSP) and motion events (ONVIF): the account made in the Tapo app under Camera Settings → Advanced Settings → Camera Account. Not the cloud login."
          >
            <Input
              id={fid('cameraAccount')}
              width={40}
              value={camera.cameraAccount ?? ''}
              onChange={(e) => onChange({ cameraAccount: e.currentTarget.value || undefined })}
            />
          </Field>
          <SecretField
            id={fid('cameraPassword')}
            label="Camera account password"
            description="The password of that camera account"
            placeholder="Camera account password"
            state={cameraPassword}
            onChange={(value) => props.onSecretChange('cameraPassword', value)}
            onReset={() => props.onSecretReset('cameraPassword')}
          />
        </div>
      </fieldset>

      <fieldset className={styles.group}>
        <legend className={styles.legend}>Video and events</legend>
        <div className={styles.grid}>
          <Field
            label={FIELD_LABELS.cameraStream}
            description="For pictures and recordings: the small stream is cheapest for live tiles; full size is the camera's resolution"
          >
            <RadioButtonGroup
              options={SETTINGS_STREAM_OPTIONS}
              value={camera.stream ?? SETTINGS_DEFAULTS.stream}
              onChange={(stream) => onChange({ stream })}
            />
          </Field>
          <NumberField
            id={fid('onvif')}
            label="ONVIF port"
            description="Where the camera answers ONVIF for motion events"
            error={err('onvifPort')}
            value={camera.onvifPort}
            placeholder={SETTINGS_DEFAULTS.onvifPort}
            onChange={(onvifPort) => onChange({ onvifPort })}
          />
          {/* A URL is long: it has the whole row, with the button that moves credentials out of it. */}
          <div className={styles.wholeRow}>
            <Field
              label="RTSP override URL"
              description="Optional restream (go2rtc, Frigate) used instead of the camera's own RTSP, which allows at most two sessions"
              invalid={Boolean(err('rtspUrlOverride'))}
              error={err('rtspUrlOverride')}
            >
              <Input
                id={fid('rtsp')}
                width={60}
                value={camera.rtspUrlOverride ?? ''}
                placeholder="rtsp://go2rtc:8554/front-door"
                onChange={(e) => onChange({ rtspUrlOverride: e.currentTarget.value || undefined })}
              />
            </Field>
            {typeof inUrl === 'object' && inUrl !== null && (
              <div className={styles.action}>
                <Button variant="secondary" icon="lock" onClick={props.onMoveUrlCredentials}>
                  Move the user and password to the secure fields
                </Button>
              </div>
            )}
          </div>
          {showRestreamAccount && (
            <>
              <SecretField
                id={fid('restreamUser')}
                label="Restream user"
                description="The restream's own account, if it asks for one; stored encrypted, never in the URL"
                placeholder="Restream user"
                state={props.restreamUser}
                onChange={(value) => props.onSecretChange('restreamUser', value)}
                onReset={() => props.onSecretReset('restreamUser')}
              />
              <SecretField
                id={fid('restreamPassword')}
                label="Restream password"
                description="Stored encrypted; added to the URL only when the sidecar opens it"
                placeholder="Restream password"
                state={props.restreamPassword}
                onChange={(value) => props.onSecretChange('restreamPassword', value)}
                onReset={() => props.onSecretReset('restreamPassword')}
              />
            </>
          )}
        </div>
      </fieldset>
    </div>
  );
}

/**
 * Narrowest column that holds a field's widest control (a 40-wide input with its Reset button); the
 * form takes two columns once both fit (a form about 820 px wide), and never more than two.
 */
const MIN_COLUMN_PX = 400;

const getStyles = (theme: GrafanaTheme2) => {
  const gap = theme.spacing(2);
  return {
    group: css({
      border: 'none',
      margin: 0,
      padding: 0,
      // A fieldset is at least as wide as its content by default; a grid cell must be able to shrink.
      minWidth: 0,
      '& + &': {
        marginTop: theme.spacing(1),
      },
    }),
    legend: css({
      ...theme.typography.h6,
      color: theme.colors.text.primary,
      padding: 0,
      marginBottom: theme.spacing(1.5),
    }),
    grid: css({
      display: 'grid',
      // Columns at least half the width (so at most two), at least MIN_COLUMN_PX (so one when narrow).
      gridTemplateColumns: `repeat(auto-fill, minmax(min(100%, max(${MIN_COLUMN_PX}px, calc((100% - ${gap}) / 2))), 1fr))`,
      columnGap: gap,
      '& > *': {
        minWidth: 0,
      },
      // Inputs side by side line up: a Field (a flex column, stretched to its row) gives what its
      // row has to spare to its label and description, so the shorter description leaves a gap.
      '& > div > label:first-child, & > div > div:first-child:not(:last-child)': {
        flexGrow: 1,
      },
    }),
    wholeRow: css({
      gridColumn: '1 / -1',
    }),
    note: css({
      color: theme.colors.text.secondary,
      marginBottom: theme.spacing(1.5),
    }),
    action: css({
      marginBottom: theme.spacing(2),
    }),
  };
};
