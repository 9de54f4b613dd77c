/** A hub's row in the config editor: the cameras and sensors behind it, one line each. */
import { Text } from '@grafana/ui';
import React from 'react';

import { hubDeviceWords, type HubDevice } from './hubContents';

interface Props {
  hubName: string;
  devices: HubDevice[];
  /** The hub is saved, so the sidecar could list what is behind it. */
  saved: boolean;
}

export function HubDeviceList({ hubName, devices, saved }: Props) {
  if (devices.length === 0) {
    return (
      <Text color="secondary" variant="bodySmall">
        {saved
          ? 'Nothing behind this hub yet: the sidecar lists its cameras and sensors at its next poll.'
          : 'Save the datasource: the sidecar then lists the cameras and sensors behind this hub.'}
      </Text>
    );
  }
  return (
    <ul aria-label={`Behind ${hubName}`}>
      {devices.map((d) => (
        <li key={`${d.kind}:${d.row ?? ''}:${d.name}`}>
          {d.name} <Text color="secondary">({hubDeviceWords(d)})</Text>
        </li>
      ))}
    </ul>
  );
}
