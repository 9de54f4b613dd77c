import { type DataSourceWithBackend, getDataSourceSrv } from '@grafana/runtime';
import { Alert, Button, Stack, Text } from '@grafana/ui';
import React, { useState } from 'react';

import { resources, type CameraTestResult } from '../../shared/query';
import { errorMessage } from './useCameraList';

interface Props {
  /** The saved datasource; empty before its first save. */
  uid?: string;
  cameraId: string;
  cameraLabel: string;
  /** The sidecar knows the camera under this id: it was saved with it and not changed since. */
  saved: boolean;
}

type State =
  | { kind: 'idle' }
  | { kind: 'running' }
  | { kind: 'done'; result: CameraTestResult }
  | { kind: 'error'; message: string };

/** Logs in to one saved camera through the sidecar (one poll) and says what to fix. */
export function CameraTestButton({ uid, cameraId, cameraLabel, saved }: Props) {
  const [state, setState] = useState<State>({ kind: 'idle' });
  const canTest = Boolean(uid) && saved;
  const run = async () => {
    setState({ kind: 'running' });
    try {
      const ds = (await getDataSourceSrv().get(uid)) as DataSourceWithBackend;
      const result = await ds.postResource<CameraTestResult>(resources.test(cameraId), {}, { showErrorAlert: false });
      setState({ kind: 'done', result });
    } catch (err) {
      setState({ kind: 'error', message: errorMessage(err) });
    }
  };
  return (
    <Stack direction="column" gap={1}>
      <Stack direction="row" alignItems="center" gap={1}>
        <Button
          variant="secondary"
          icon={state.kind === 'running' ? 'spinner' : 'heart-rate'}
          disabled={!canTest || state.kind === 'running'}
          onClick={run}
          aria-label={`Test ${cameraLabel}`}
        >
          Test
        </Button>
        {!canTest && (
          <Text color="secondary" variant="bodySmall">
            Save the datasource first: the sidecar tests cameras as saved.
          </Text>
        )}
      </Stack>
      {state.kind === 'done' && state.result.ok && (
        <Alert severity="success" title="The camera answers">
          {state.result.message}
        </Alert>
      )}
      {state.kind === 'done' && !state.result.ok && (
        <Alert severity="error" title={`To fix: ${state.result.problem ?? state.result.status}`}>
          {state.result.message}
        </Alert>
      )}
      {state.kind === 'error' && (
        <Alert severity="warning" title="The test did not run">
          {state.message}
        </Alert>
      )}
    </Stack>
  );
}
