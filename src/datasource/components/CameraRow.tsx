/**
 * One camera in the config editor's list, as a compact row: a toggle that opens its form below,
 * name, host and model, its live status from the sidecar (or "Disabled", dimmed), a "Needs
 * attention" badge when its form has errors, a mark when another datasource lists the same camera
 * (and which of the two polls it), an enable switch, and removal (with its passwords) after a
 * confirmation. A hub's row says so and how many devices are behind it; a row of a camera behind a
 * hub says which hub instead of an address (the hub's).
 */
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Badge, Button, ConfirmButton, Icon, Stack, Switch, Text, useStyles2 } from '@grafana/ui';
import React from 'react';

import type { CameraListItem, CameraOwnership, CameraSettings } from '../../shared/query';
import { statusLabel } from './options';

interface Props {
  index: number;
  camera: CameraSettings;
  /** The sidecar's view of the saved camera; absent when unsaved or not reached. */
  live?: CameraListItem;
  /** Another source lists the saved camera too: who polls it, in the sidecar's words. */
  ownership?: CameraOwnership;
  /** The camera has errors shown in its form. */
  hasErrors: boolean;
  /** A camera behind a hub: the hub's name, shown instead of the address it shares with the hub. */
  behindHub?: string;
  /** A hub: what is behind it in words ("2 cameras · 3 sensors"), when known. */
  hubContents?: string;
  expanded: boolean;
  onToggle: () => void;
  onEnabledChange: (enabled: boolean) => void;
  onRemove: () => void;
  children?: React.ReactNode;
}

const STATUS_COLOR: Record<string, 'green' | 'red' | 'orange' | 'blue'> = {
  online: 'green',
  offline: 'red',
  auth_failed: 'red',
  locked_out: 'orange',
  error: 'red',
  unknown: 'blue',
};

export function CameraRow(props: Props) {
  const { index, camera, live, ownership, expanded } = props;
  const styles = useStyles2(getStyles);
  const label = `camera ${index + 1}`;
  const statusText = live ? statusLabel(live.status) : undefined;
  return (
    <div className={styles.row} data-testid={`camera-row-${index}`}>
      <div
        className={camera.disabled ? `${styles.summary} ${styles.disabled}` : styles.summary}
        data-disabled={Boolean(camera.disabled)}
      >
        <Button
          variant="secondary"
          fill="text"
          icon={expanded ? 'angle-down' : 'angle-right'}
          aria-expanded={expanded}
          aria-label={`Edit ${label}`}
          onClick={props.onToggle}
        />
        <div className={styles.name}>
          <Text weight="medium" truncate>
            {camera.name || `Camera ${index + 1}`}
          </Text>
          <Text color="secondary" variant="bodySmall" truncate>
            {props.behindHub !== undefined ? `behind hub ${props.behindHub}` : camera.host || 'no host'}
            {live?.model ? ` · ${live.model}` : ''}
            {props.hubContents ? ` · ${props.hubContents}` : ''}
          </Text>
        </div>
        <Stack direction="row" alignItems="center" gap={1}>
          {camera.kind === 'hub' && <Badge color="purple" icon="sitemap" text="Hub" />}
          {props.hasErrors && (
            <Badge color="red" icon="exclamation-triangle" text="Needs attention" aria-label="Needs attention" />
          )}
          {ownership?.role === 'kept' && (
            <Badge color="blue" icon="info-circle" text="Also in another datasource" tooltip={ownership.message} />
          )}
          {camera.disabled ? (
            <Badge color="darkgrey" icon="pause" text="Disabled" tooltip="Not polled while disabled" />
          ) : ownership?.role === 'lost' ? (
            <Badge
              color="orange"
              icon="exclamation-triangle"
              text="Polled by another datasource"
              tooltip={ownership.message}
            />
          ) : statusText && live ? (
            <Badge color={STATUS_COLOR[live.status] ?? 'blue'} text={statusText} />
          ) : (
            <Text color="secondary" variant="bodySmall">
              <Icon name="info-circle" /> not polled yet
            </Text>
          )}
          <Switch
            value={!camera.disabled}
            aria-label={`Enable ${label}`}
            onChange={(e) => props.onEnabledChange(e.currentTarget.checked)}
          />
          <ConfirmButton
            confirmText="Remove with its passwords"
            confirmVariant="destructive"
            onConfirm={props.onRemove}
            size="sm"
          >
            <Button variant="secondary" fill="text" size="sm" icon="trash-alt" aria-label={`Remove ${label}`} />
          </ConfirmButton>
        </Stack>
      </div>
      {expanded && <div className={styles.body}>{props.children}</div>}
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  row: css({
    border: `1px solid ${theme.colors.border.weak}`,
    borderRadius: theme.shape.radius.default,
    marginBottom: theme.spacing(1),
  }),
  summary: css({
    display: 'flex',
    alignItems: 'center',
    gap: theme.spacing(1),
    padding: theme.spacing(0.5, 1),
  }),
  disabled: css({
    opacity: 0.6,
  }),
  name: css({
    display: 'flex',
    flexDirection: 'column',
    flex: 1,
    minWidth: 0,
  }),
  body: css({
    padding: theme.spacing(1, 2, 2, 2),
    borderTop: `1px solid ${theme.colors.border.weak}`,
  }),
});
